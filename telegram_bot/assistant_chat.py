"""The assistant on Telegram, the synchronous part: who a Telegram chat belongs to, which
chat of theirs it talks to (one titled for Telegram, until `/new` or `/skill` starts
another), the specialists to choose from, and the state of an answer being written.

Everything is reached through the linked user: a Telegram chat that is not linked to an
active account gets nothing here.
"""

import uuid

from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from chats import limits
from chats.assistant.errors import message_for
from chats.models import Chat, Message
from skills.models import Skill

from .models import TelegramConversation

TITLE = "Telegram"


class ChatLimitReached(Exception):
    """`args[0]` says so in the user's language."""


def linked_user(telegram_chat_id):
    from accounts.models import User

    close_old_connections()  # a long-running bot: never reuse a connection the server closed
    return User.objects.filter(telegram_chat_id=int(telegram_chat_id), is_active=True).first()


def _title(skill: Skill | None) -> str:
    return f"{TITLE} · {skill.name}" if skill else TITLE


def start_chat(user, skill: Skill | None = None) -> Chat:
    """A new chat for the Telegram conversation, within the user's chat limit."""
    if not limits.can_create_chat(user):
        raise ChatLimitReached(_(
            "You have reached your limit of %(limit)s chats (archived ones count too). "
            "Delete a chat in Anamnesis to start a new one."
        ) % {"limit": limits.chat_limit(user)})
    with transaction.atomic():
        chat = Chat.objects.create(user=user, skill=skill, title=_title(skill))
        TelegramConversation.objects.update_or_create(user=user, defaults={"chat": chat})
    return chat


def current_chat(user) -> Chat:
    """The chat Telegram messages go to: the current one while it exists and is not
    archived, else a new one."""
    conversation = TelegramConversation.objects.for_user(user).first()
    if conversation is not None and conversation.chat_id:
        chat = (Chat.objects.for_user(user).filter(pk=conversation.chat_id, is_archived=False)
                .first())
        if chat is not None:
            return chat
    return start_chat(user)


def skills_for(user) -> list[Skill]:
    """The specialists a chat may use: general ones and the user's own."""
    general_first = F("user").asc(nulls_first=True)  # NULL sorts last on PostgreSQL
    return list(Skill.objects.available_to(user).order_by(general_first, "sort_order", "name"))


def skill_of(user, raw_id: str) -> Skill | None:
    """One of those, from a button's data; None for anything else (another user's skill,
    an inactive one, garbage)."""
    try:
        pk = uuid.UUID(raw_id)
    except ValueError:
        return None
    return Skill.objects.available_to(user).filter(pk=pk).first()


def latest_answer_id(chat: Chat):
    """The answer the turn just created: turns never overlap in a chat."""
    return (Message.objects.filter(chat=chat, role=Message.Role.ASSISTANT)
            .order_by("-created").values_list("pk", flat=True).first())


def chat_of_answer(user, raw_id: str):
    """The chat of one of the user's answers, from a button's data; None for anything
    else."""
    try:
        pk = uuid.UUID(raw_id)
    except ValueError:
        return None
    return (Message.objects.for_user(user).filter(pk=pk, role=Message.Role.ASSISTANT)
            .values_list("chat_id", flat=True).first())


def answer_state(answer_id) -> dict:
    """What an answer holds now, as the Telegram message shows it: its parts, status and
    the error in the active language."""
    row = Message.objects.filter(pk=answer_id).values("content", "metadata").first() or {}
    metadata = row.get("metadata") or {}
    status = metadata.get("status", "done")
    error = metadata.get("error") or {}
    parts = metadata.get("parts") or []
    if not parts and row.get("content"):
        parts = [{"type": "text", "text": row["content"]}]
    return {
        "status": status,
        "parts": parts,
        "error": message_for(error.get("code") or "api_error")
        if status in {"error", "interrupted"} else "",
    }
