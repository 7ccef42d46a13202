"""PDF reports: compiled from the page and by the generate_pdf tool; Cyrillic as real text."""

import pymupdf
import pytest

from chats.models import Chat, Message
from chats.tool_registry import ToolContext, get
from documents.lab_values import normalise_document
from documents.models import Document, GeneratedPDF
from memory.models import MemoryEntry

pytestmark = pytest.mark.django_db


def pdf_text(report) -> str:
    with report.file.open("rb") as handle:
        pdf = pymupdf.open(stream=handle.read(), filetype="pdf")
    return "\n".join(page.get_text() for page in pdf)


@pytest.fixture
def history(user):
    memory = MemoryEntry.objects.create(
        user=user, category="condition", title="Гипертония", importance="high",
        content="Артериальное давление 150/95, принимает лизиноприл.")
    document = Document.objects.create(
        user=user, filename="lipids.pdf", sha256="l", mime_type="application/pdf",
        status="completed", doc_type="lab_result", metadata={
            "summary": "Raised LDL.", "findings": [],
            "lab_values": [{"analyte": "LDL", "value": 4.1, "unit": "mmol/L",
                            "reference_range": "< 3.0", "flag": "high"}]})
    normalise_document(document)
    chat = Chat.objects.create(user=user, title="Cardiology")
    Message.objects.create(chat=chat, role="user", content="Что значит мой ЛПНП?")
    return memory, document, chat


def test_report_from_the_page_holds_russian_memory_as_real_text(signed_in_client, user, history):
    memory, document, chat = history
    response = signed_in_client.post("/pdfs/", {
        "title": "Для кардиолога", "memory": [memory.pk], "documents": [document.pk],
        "include_trends": "on", "chat": chat.pk})
    assert response.status_code == 302
    report = GeneratedPDF.objects.get(user=user)
    text = pdf_text(report)
    for expected in ("Для кардиолога", "Гипертония", "лизиноприл", "Raised LDL", "4.1",
                     "Что значит мой ЛПНП?"):
        assert expected in text
    assert list(report.source_documents.all()) == [document] and report.source_chat == chat
    listing = signed_in_client.get("/pdfs/").content.decode()
    assert f"/pdfs/{report.pk}/download/" in listing
    download = signed_in_client.get(f"/pdfs/{report.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_empty_choice_is_a_clear_400(signed_in_client):
    response = signed_in_client.post("/pdfs/", {"title": "Nothing"})
    assert response.status_code == 400
    assert "Choose at least one thing" in response.content.decode()
    assert not GeneratedPDF.objects.exists()


def test_other_users_objects_cannot_be_put_in_a_report(signed_in_client, other_user):
    theirs = MemoryEntry.objects.create(user=other_user, title="Secret", content="x")
    response = signed_in_client.post("/pdfs/", {"title": "Mine", "memory": [theirs.pk]})
    assert response.status_code == 400
    assert not GeneratedPDF.objects.exists()


def test_generate_pdf_tool_makes_a_report_for_the_chat_owner_only(user, other_user, history):
    MemoryEntry.objects.create(user=other_user, title="Чужая тайна", content="не показывать")
    chat = history[2]
    result = get("generate_pdf").run(ToolContext(user, chat), {
        "title": "A summary for my cardiologist", "include_chat": True})
    assert not result.is_error
    report = GeneratedPDF.objects.get()
    assert report.user == user and result.data["url"] == f"/pdfs/{report.pk}/download/"
    text = pdf_text(report)
    assert "Гипертония" in text and "Что значит мой ЛПНП?" in text
    assert "Чужая тайна" not in text

    # Recorded as the assistant's write, from this chat; Undo deletes the PDF and its file.
    from chats import actions
    from chats.models import AssistantAction

    action = AssistantAction.objects.get(user=user, kind="documents.pdf")
    assert (action.state, action.chat, action.target_id) == ("applied", chat, str(report.pk))
    storage, name = report.file.storage, report.file.name
    actions.undo(user, action.pk)
    assert not GeneratedPDF.objects.exists() and not storage.exists(name)


def test_search_documents_tool_returns_the_users_matches(user, other_user):
    from documents import search

    for owner, text in ((user, "thyroid TSH 2.1"), (other_user, "thyroid nodule")):
        doc = Document.objects.create(user=owner, filename=f"{owner.pk}.txt", sha256="s",
                                      mime_type="text/plain", extracted_text=text)
        search.index_document(doc)
    result = get("search_documents").run(ToolContext(user), {"query": "thyroid"})
    assert "TSH 2.1" in result.content and "nodule" not in result.content
    assert len(result.data["hits"]) == 1
    assert get("search_documents").run(ToolContext(user), {"query": " "}).is_error


def test_report_files_are_stored_through_storage(user, history):
    from documents.reports import compile_report

    report = compile_report(user, "x", memory_ids=[history[0].pk])
    assert report.file.name.startswith(f"generated/{user.pk}/{report.pk}/")
    assert isinstance(report.file.storage.open(report.file.name).read(), bytes)
