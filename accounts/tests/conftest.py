"""Accounts test fixtures: a user with rows in every app and real files in storage."""

import hashlib
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile


@dataclass
class Owned:
    user: object
    rows: dict = field(default_factory=dict)
    files: list = field(default_factory=list)  # storage names


def _populate(user, tag: str) -> Owned:
    from chats.models import Chat, Message, TokenUsage
    from documents.models import Document, GeneratedPDF
    from memory.models import MemoryEntry
    from notifications.models import Notification
    from skills.models import ContextFile, ContextFileVersion, Skill
    from telegram_bot.models import TelegramConversation

    owned = Owned(user)
    skill = Skill.objects.create(user=user, name=f"{tag} cardiologist", system_prompt="Be kind.")
    chat = Chat.objects.create(user=user, title=f"{tag} blood pressure chat", skill=skill)
    message = Message.objects.create(chat=chat, role="user", content=f"{tag} asks about BP")
    content = f"{tag} original lab result bytes".encode()
    document = Document(
        user=user, filename=f"{tag}-labs.pdf", mime_type="application/pdf",
        file_size=len(content), sha256=hashlib.sha256(content).hexdigest(),
    )
    document.file.save(f"{tag}-labs.pdf", ContentFile(content), save=False)
    document.save()
    pdf = GeneratedPDF(user=user, title=f"{tag} summary")
    pdf.file.save(f"{tag}-summary.pdf", ContentFile(b"%PDF-1.4 " + tag.encode()), save=False)
    pdf.save()
    pdf.source_documents.add(document)
    memory = MemoryEntry.objects.create(
        user=user, title=f"{tag} penicillin allergy", category="allergy", source_document=document,
    )
    notification = Notification.objects.create(user=user, title=f"{tag} take pills")
    telegram = TelegramConversation.objects.create(user=user, chat=chat)
    context = ContextFile.objects.create(type="personal", user=user, content=f"{tag} context v2", version=2)
    version = ContextFileVersion.objects.create(context_file=context, version=1, content=f"{tag} context v1")
    usage = TokenUsage.objects.create(
        user=user, day="2026-11-20", source="chat", model="claude", input_tokens=1000, output_tokens=200
    )
    owned.rows = {
        "skills.skill": skill, "chats.chat": chat, "chats.message": message,
        "documents.document": document, "documents.generatedpdf": pdf,
        "memory.memoryentry": memory, "notifications.notification": notification,
        "skills.contextfile": context, "skills.contextfileversion": version,
        "chats.tokenusage": usage, "telegram_bot.telegramconversation": telegram,
    }
    owned.files = [document.file.name, pdf.file.name]
    return owned


@pytest.fixture
def alice_data(user):
    return _populate(user, "alice")


@pytest.fixture
def bob_data(other_user):
    return _populate(other_user, "bob")


@pytest.fixture(scope="session")
def identity_server():
    from tests.fakes.oauth_server import FakeIdentityProvider

    server = FakeIdentityProvider().start()
    yield server
    server.stop()


@pytest.fixture
def identity_provider(identity_server):
    identity_server.reset()
    yield identity_server
    identity_server.reset()
