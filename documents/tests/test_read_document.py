"""Reading a whole document on demand: the `read_document` tool gives the model an owned
document's text page by page, bounded per call, with the page to ask for next; the ids it
needs are in the excerpts and search results it already gets."""

import importlib
import re

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.test import override_settings

from chats.assistant import turns
from chats.models import Chat, Message
from chats.tool_registry import ToolContext, get
from documents import pages, search, tasks
from documents.models import Document
from documents.readers.pdf import PDF
from tests.fakes.anthropic_server import Reply

from .conftest import image_only_pdf
from .test_pipeline import make_document

pytestmark = pytest.mark.django_db(transaction=True)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGES = 8


def page_lines(number: int) -> list[str]:
    lines = [f"Cardiology letter, page {number} of {PAGES}."]
    lines += [f"Line {row} of page {number}: the echocardiogram is described here in "
              f"detail, wall by wall." for row in range(1, 30)]
    if number == PAGES:
        lines.append("Conclusion: mitral valve prolapse, grade 1; see again in a year.")
    return lines


def letter_pdf() -> bytes:
    import pymupdf

    pdf = pymupdf.open()
    for number in range(1, PAGES + 1):
        page = pdf.new_page()
        page.insert_font(fontname="dejavu", fontfile=FONT)
        for row, line in enumerate(page_lines(number)):
            page.insert_text((40, 40 + row * 18), line, fontname="dejavu", fontsize=10)
    return pdf.tobytes()


def processed(user, data: bytes, name: str, mime=PDF, pages_=PAGES) -> Document:
    """The document read by the real pipeline (sandbox, OCR), without a model for facts."""
    document = make_document(user, data, mime, name=name, pages=pages_)
    with override_settings(ANTHROPIC_API_KEY="", ANTHROPIC_BASE_URL=""):
        tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.COMPLETED
    return document


def text_of(content) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(block.get("text") or text_of(block.get("content") or "")
                     for block in content)


def test_the_pipeline_keeps_where_each_page_begins(user):
    document = processed(user, letter_pdf(), "cardiology.pdf")
    assert len(document.page_starts) == PAGES
    texts = pages.split(document.extracted_text, document.page_starts)
    assert [text.splitlines()[0] for text in texts] == [
        f"Cardiology letter, page {n} of {PAGES}." for n in range(1, PAGES + 1)]


async def test_the_model_reads_a_whole_letter_to_its_last_page_through_the_tool(
    user, request
):
    letter = await sync_to_async(processed)(user, letter_pdf(), "cardiology.pdf")
    fake = request.getfixturevalue("fake_anthropic")
    first_id = []

    def model(body):
        """A model that reads on: the id from its excerpt, then the page it is told."""
        last = text_of(body["messages"][-1]["content"])
        if not first_id:
            first_id.extend(re.findall(r"document id ([0-9a-f-]{36})", last) or ["none"])
        asked = re.search(r"call read_document with page=(\d+)", last)
        if asked:
            return Reply.tool("read_document", {"document_id": first_id[0],
                                                "page": int(asked.group(1))})
        if "End of the document" in last:
            return Reply.text("Page 8 concludes: mitral valve prolapse, grade 1.")
        return Reply.tool("read_document", {"document_id": first_id[0]})

    fake.responder = model
    chat = await Chat.objects.acreate(user=user)
    task = await turns.start(user, chat.pk, "What does the last page of my cardiology "
                                            "letter conclude?")
    await task

    assert first_id == [str(letter.pk)]
    results = [request_["messages"][-1]["content"][0] for request_ in fake.requests[1:]]
    assert len(results) >= 3  # the letter does not fit one call: it was read on
    assert all(result["type"] == "tool_result" for result in results)
    assert all(result["content"].startswith('<data source="tool:read_document"')
               for result in results)  # document text, as untrusted data
    assert "page 1 of 8" in results[0]["content"]
    assert "Conclusion: mitral valve prolapse" not in results[0]["content"]
    # The text of its last page reached the model's next request.
    assert "Conclusion: mitral valve prolapse, grade 1" in results[-1]["content"]
    assert "--- Page 8 of 8 ---" in results[-1]["content"]
    assert "End of the document" in results[-1]["content"]
    # Each call stayed within its bound, and together they gave every page once.
    assert all(len(result["content"]) < pages.MAX_CHARS + 1000 for result in results)
    given = re.findall(r"--- Page (\d+) of 8 ---", "".join(r["content"] for r in results))
    assert given == [str(n) for n in range(1, PAGES + 1)]
    # Under the answer: the letter, with every page that was read.
    answer = await Message.objects.aget(chat=chat, role="assistant")
    read = [entry["page"] for entry in answer.metadata["sources"]
            if entry["id"] == str(letter.pk) and entry.get("page")]
    assert sorted(read) == list(range(1, PAGES + 1))


def test_another_users_document_is_not_found_and_never_shown(user, other_user):
    secret = Document.objects.create(
        user=other_user, filename="bob.txt", mime_type="text/plain", sha256="bob",
        extracted_text="Bob's HIV status is private.", page_count=1, page_starts=[0],
        status=Document.Status.COMPLETED)
    result = get("read_document").run(ToolContext(user=user), {"document_id": str(secret.pk)})
    assert result.is_error
    assert "No document with the id" in result.content
    assert "HIV" not in result.content and "bob.txt" not in result.content + result.summary
    garbage = get("read_document").run(ToolContext(user=user), {"document_id": "../../etc"})
    assert garbage.is_error and "No document" in garbage.content


def test_search_results_name_the_ids_read_document_takes(user):
    document = Document.objects.create(
        user=user, filename="thyroid.txt", mime_type="text/plain", sha256="t",
        extracted_text="TSH 2.1 mIU/L, thyroid within range.", page_count=1, page_starts=[0],
        status=Document.Status.COMPLETED)
    search.index_document(document)
    result = get("search_documents").run(ToolContext(user=user), {"query": "thyroid"})
    assert f"(id {document.pk})" in result.content
    read = get("read_document").run(ToolContext(user=user), {"document_id": str(document.pk)})
    assert "TSH 2.1 mIU/L" in read.content and "End of the document" in read.content


def test_a_scanned_page_between_text_pages_is_found_again_by_the_back_fill(user, english_scan):
    """The migration's back-fill, without OCR, finds the same boundaries the pipeline kept:
    text, a scanned page, text."""
    import pymupdf

    mixed = pymupdf.open()
    for number in (1, 3):
        if number == 3:
            mixed.insert_pdf(pymupdf.open(stream=image_only_pdf(english_scan)))
        page = mixed.new_page()
        page.insert_text((72, 72), f"Discharge summary, typed page {number}: all stable.",
                         fontsize=12)
    data = mixed.tobytes()
    document = processed(user, data, "discharge.pdf", pages_=3)
    kept = document.page_starts
    assert len(kept) == 3 and "typed page 3" in document.extracted_text[kept[2]:]
    assert back_filled(document) == kept


def back_filled(document) -> list[int]:
    Document.objects.filter(pk=document.pk).update(page_starts=[])
    migration = importlib.import_module("documents.migrations.0011_document_page_starts")
    migration.back_fill(apps, None)
    document.refresh_from_db()
    return document.page_starts


def test_the_back_fill_finds_a_text_pdfs_pages_and_a_photo_is_one_page(user):
    letter = processed(user, letter_pdf(), "cardiology.pdf")
    assert back_filled(letter) == letter.page_starts
    photo = Document.objects.create(
        user=user, filename="photo.jpg", mime_type="image/jpeg", sha256="p",
        extracted_text="Ferritin 12", page_count=1, status=Document.Status.COMPLETED)
    assert back_filled(photo) == [0]


def test_a_document_whose_pages_are_unknown_is_read_in_bounded_parts(user):
    text = "\n\n".join(f"Paragraph {n}: " + "words " * 80 for n in range(60))
    document = Document.objects.create(
        user=user, filename="old.tiff", mime_type="image/tiff", sha256="o",
        extracted_text=text, page_count=4, status=Document.Status.COMPLETED)
    read = get("read_document").run(ToolContext(user=user), {"document_id": str(document.pk)})
    assert "page boundaries are not known" in read.content
    assert "--- Part 1 of" in read.content and "call read_document with page=" in read.content
    assert len(read.content) < pages.MAX_CHARS + 500
    nxt = int(re.search(r"page=(\d+)", read.content).group(1))
    rest = get("read_document").run(ToolContext(user=user),
                                    {"document_id": str(document.pk), "page": nxt})
    assert f"--- Part {nxt} of" in rest.content


@pytest.mark.parametrize("texts", [["a", "b", "c"], ["", "b", ""], ["  x  ", "", "y"]])
def test_joined_pages_begin_where_they_say(texts):
    from documents.readers.base import join_pages

    extracted = join_pages(texts)
    assert pages.split(extracted.text, extracted.page_starts) == [t.strip() for t in texts]
