"""The sources under an answer: the documents whose excerpts, values or text reached the
model are listed under the answer as links to their pages (the page, where known), live
and after a reload, escaped, and only the owner's own."""

import datetime
import re

import pytest
from asgiref.sync import sync_to_async

from chats.assistant import providers
from chats.models import Chat, Message
from chats.sources import Blocks, Source
from documents import search
from documents.models import Document
from memory.models import MemoryEntry
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)

IRON = ("Northside Laboratory — Iron studies\nDate: 2025-06-10\n"
        "Ferritin 12 ng/mL (15-150) LOW\nComment: low iron stores.")
LETTER_PAGES = ["Cardiology letter. Page one: history of palpitations.",
                "Page two: echocardiogram normal.",
                "Page three: ferritin was low, iron supplementation advised."]


def document(user, name, text, starts=None, pages=1, lab_values=()):
    doc = Document.objects.create(
        user=user, filename=name, mime_type="text/plain", sha256=name, extracted_text=text,
        status=Document.Status.COMPLETED, document_date=datetime.date(2025, 6, 10),
        doc_type="lab_result", metadata={"lab_values": list(lab_values)},
        page_count=pages, page_starts=starts if starts is not None else [0])
    search.index_document(doc)
    return doc


def letter(user):
    text = "\n\n".join(LETTER_PAGES)
    starts = [text.index(page) for page in LETTER_PAGES]
    return document(user, "letter.pdf", text, starts, pages=3)


def sources_html(html: str) -> str:
    found = re.search(r"<nav class=\"answer-sources.*?</nav>", html, re.DOTALL)
    return found.group(0) if found else ""


@pytest.fixture
def iron_record(user, other_user):
    labs = document(user, "iron <b>labs</b>.txt", IRON, lab_values=[
        {"analyte": "Ferritin", "value": "12", "unit": "ng/mL", "reference_range": "15-150",
         "flag": "low"}])
    cardiology = letter(user)
    summary = document(user, "gp-summary.txt", "General practitioner's summary of 2024.")
    MemoryEntry.objects.create(user=user, title="Ferritin low, takes iron", importance="low",
                               source_document=summary)
    bob = document(other_user, "bob-ferritin.txt", "Ferritin 999 ng/mL BOB", lab_values=[
        {"analyte": "Ferritin", "value": "999", "unit": "ng/mL"}])
    return labs, cardiology, summary, bob


async def test_the_documents_behind_an_answer_are_listed_under_it_live_and_on_reload(
    fake_anthropic, user, iron_record, chat_socket, client
):
    labs, cardiology, summary, bob = iron_record
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(Reply.text("Your ferritin was low (12 ng/mL)."))
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="What was my ferritin?")
    events = await socket.until_finished()
    await socket.close()

    live = sources_html(events[-1]["html"])
    assert live, "no sources under the answer"
    # The excerpts' and the values' document, the letter at the page of its excerpt, the
    # memory entry's document.
    assert f'href="/documents/{labs.pk}/"' in live
    assert f'href="/documents/{cardiology.pk}/#page-3"' in live
    assert f'href="/documents/{summary.pk}/"' in live
    # A file name is text, never markup; another user's document is not there.
    assert "iron &lt;b&gt;labs&lt;/b&gt;.txt" in live and "<b>labs" not in live
    assert str(bob.pk) not in events[-1]["html"]

    answer = await Message.objects.aget(chat=chat, role="assistant")
    stored = {(entry["id"], entry.get("page")) for entry in answer.metadata["sources"]}
    assert (str(cardiology.pk), 3) in stored and (str(labs.pk), None) in stored

    await sync_to_async(client.force_login)(user)
    page = await sync_to_async(client.get)(f"/chats/{chat.pk}/")
    assert sources_html(page.content.decode()) == live


async def test_a_provider_naming_another_users_document_lists_nothing_of_it(
    fake_anthropic, user, other_user, chat_socket
):
    bob = await sync_to_async(document)(other_user, "bob-secret.txt", "Bob's private letter")
    mine = await sync_to_async(document)(user, "mine.txt", "Alice's note")
    provider = providers.register(providers.Provider(
        "test-foreign-sources", 99, providers.TURN,
        lambda user, chat, current: Blocks([], [Source(str(bob.pk), "bob-secret.txt", 1),
                                                Source(str(mine.pk), "mine.txt"),
                                                Source("not-an-id", "x")])))
    try:
        chat = await Chat.objects.acreate(user=user)
        fake_anthropic.queue(Reply.text("Fine."))
        socket = chat_socket(user, chat.pk)
        await socket.connect()
        await socket.send(action="send", content="Hello there")
        events = await socket.until_finished()
        await socket.close()
    finally:
        providers._providers.pop(provider.name, None)
    html = events[-1]["html"]
    assert "bob-secret" not in html and str(bob.pk) not in html
    assert f'href="/documents/{mine.pk}/"' in sources_html(html)


def test_the_document_page_has_an_anchor_for_each_page(signed_in_client, user):
    doc = letter(user)
    html = signed_in_client.get(f"/documents/{doc.pk}/").content.decode()
    assert 'id="page-3"' in html
    after = html[html.index('id="page-3"'):]
    assert "iron supplementation advised" in after and "echocardiogram" not in after
