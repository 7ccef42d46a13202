"""The facts of a document with any model or none: extracted through JSON text when the
model takes no tools, waiting until a model is configured, read from page images of scans,
corrected by the user (and kept), and written in the user's language."""

import json

import pytest
from django.urls import reverse
from django_q.conf import Conf

from chats import llm
from documents import facts_state, pipeline, tasks
from documents.models import Document
from memory.models import MemoryEntry
from tests.fakes.anthropic_server import Reply

from .conftest import LIPID_EN, image_bytes, image_only_pdf, scan_image, text_pdf, upload
from .test_pipeline import FACTS, make_document

pytestmark = pytest.mark.django_db


def upload_lipids(client, django_capture_on_commit_callbacks, monkeypatch) -> Document:
    monkeypatch.setattr(Conf, "SYNC", True)  # the broker runs the job in this process
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:index"),
                               {"files": [upload("lipids.pdf", text_pdf(LIPID_EN))]})
    assert response.status_code == 302
    return Document.objects.get()


def test_with_tools_refused_an_upload_completes_with_facts_read_from_json(
    signed_in_client, user, fake_anthropic, django_capture_on_commit_callbacks, monkeypatch
):
    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text(
        "Here is what I found:\n```json\n" + json.dumps(FACTS) + "\n```\nAnything else?"))
    document = upload_lipids(signed_in_client, django_capture_on_commit_callbacks, monkeypatch)
    assert document.status == "completed" and document.facts_status == "done"
    assert document.doc_type == "lab_result" and str(document.document_date) == "2025-03-14"
    # Cleaned as the tool's answer is: the flag kept, the number a number.
    assert document.metadata["lab_values"][0]["value"] == 6.1
    assert document.metadata["lab_values"][1]["value"] == "4,0"
    assert [r["message"] for r in fake_anthropic.rejected] == [
        f"{llm.model_name()} does not support tools"]
    assert "tools" not in fake_anthropic.last_request
    assert MemoryEntry.objects.get(source_document=document).title.startswith("Lab result")
    page = signed_in_client.get(reverse("documents:detail", args=[document.pk]))
    assert "Total cholesterol" in page.content.decode()


def test_without_a_model_facts_wait_and_the_periodic_job_extracts_them_later(
    user, settings, fake_anthropic
):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    assert tasks.process_document(document.pk) == "completed"
    document.refresh_from_db()
    assert document.facts_status == "waiting" and document.facts_error == ""
    assert tasks.extract_waiting_facts() == 0  # still no model
    assert not fake_anthropic.requests

    settings.ANTHROPIC_BASE_URL = fake_anthropic.url  # a local server appears
    fake_anthropic.require_api_key = False
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    assert tasks.extract_waiting_facts() == 1
    document.refresh_from_db()
    assert document.facts_status == "done" and document.doc_type == "lab_result"
    assert MemoryEntry.objects.filter(source_document=document).count() == 1
    assert tasks.extract_waiting_facts() == 0  # nothing left waiting


def test_the_page_says_the_facts_are_waiting(signed_in_client, user, settings):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    tasks.process_document(document.pk)
    html = signed_in_client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert 'data-facts="waiting"' in html and "once an administrator configures a model" in html


def test_a_model_that_cannot_give_the_facts_leaves_them_unavailable_with_the_reason(
    signed_in_client, user, fake_anthropic
):
    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text("I am sorry, I cannot read medical documents."))
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    assert tasks.process_document(document.pk) == "completed"
    document.refresh_from_db()
    assert document.facts_status == "unavailable"
    html = signed_in_client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert 'data-facts="unavailable"' in html and "in a form Anamnesis can read" in html


# --- Scans and photos -----------------------------------------------------------------------
def image_parts(request) -> list[dict]:
    content = request["messages"][0]["content"]
    return [part for part in content if part["type"] == "image"] if isinstance(content, list) else []


@pytest.mark.parametrize("kind", ["png", "pdf"])
def test_scans_go_to_the_model_as_page_images_with_the_ocr_text(user, fake_anthropic, kind):
    scan = scan_image(["Ferritin 35 ng/mL (15-150)"])
    data, mime = ((image_bytes(scan), "image/png") if kind == "png"
                  else (image_only_pdf(scan), "application/pdf"))
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = make_document(user, data, mime, f"scan.{kind}")
    tasks.process_document(document.pk)
    images = image_parts(fake_anthropic.last_request)
    assert len(images) == 1 and images[0]["source"]["media_type"] == "image/jpeg"
    text = fake_anthropic.last_request["messages"][0]["content"][-1]["text"]
    assert "Ferritin" in text  # the OCR text goes along


def test_text_pdfs_go_as_text_only(user, fake_anthropic):
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    tasks.process_document(document.pk)
    assert isinstance(fake_anthropic.last_request["messages"][0]["content"], str)


def test_a_model_without_vision_gets_the_text_and_the_facts_are_read(user, fake_anthropic):
    fake_anthropic.images_supported = False
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = make_document(user, image_bytes(scan_image(["Ferritin 35"])), "image/png", "a.png")
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.facts_status == "done"
    assert len(fake_anthropic.rejected) == 1 and not image_parts(fake_anthropic.last_request)


# --- The user's corrections -----------------------------------------------------------------
def correction(**overrides) -> dict:
    data = {
        "doc_type": "lab_result", "document_date": "2025-03-15", "provider": "Северная лаборатория",
        "summary": "My own summary.",
        "lab-TOTAL_FORMS": "2", "lab-INITIAL_FORMS": "1", "lab-MIN_NUM_FORMS": "0",
        "lab-MAX_NUM_FORMS": "300",
        "lab-0-analyte": "Ferritin", "lab-0-value": "35", "lab-0-unit": "ng/mL",
        "lab-0-reference_range": "15-150", "lab-0-flag": "normal",
        "lab-1-analyte": "", "lab-1-value": "",
    }
    data.update(overrides)
    return data


def test_the_users_correction_is_saved_and_survives_processing_again(
    signed_in_client, user, fake_anthropic
):
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    tasks.process_document(document.pk)
    response = signed_in_client.post(reverse("documents:facts", args=[document.pk]), correction())
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.facts_edited is not None and str(document.document_date) == "2025-03-15"
    assert document.metadata["lab_values"] == [{
        "analyte": "Ferritin", "value": 35, "unit": "ng/mL", "reference_range": "15-150",
        "flag": "normal"}]
    assert document.metadata["provider"] == "Северная лаборатория"
    entry = MemoryEntry.objects.get(source_document=document)
    assert entry.content.startswith("My own summary.") and "Северная" in entry.title

    requests = len(fake_anthropic.requests)
    tasks.reindex(document)
    assert tasks.process_document(document.pk) == "completed"
    document.refresh_from_db()
    assert document.metadata["lab_values"][0]["analyte"] == "Ferritin"
    assert document.metadata["summary"] == "My own summary."
    assert len(fake_anthropic.requests) == requests  # the model was not asked again
    html = signed_in_client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert 'data-facts="edited"' in html and "Северная лаборатория" in html


def test_a_bad_correction_is_a_400_and_nothing_changes(signed_in_client, user, settings):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    tasks.process_document(document.pk)
    response = signed_in_client.post(reverse("documents:facts", args=[document.pk]),
                                     correction(doc_type="x-ray", **{"lab-0-analyte": ""}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Name the analyte of this value." in html
    document.refresh_from_db()
    assert document.facts_edited is None and document.metadata == {}


def test_another_users_document_cannot_be_corrected(signed_in_client, other_user):
    document = make_document(other_user, text_pdf(LIPID_EN), "application/pdf")
    response = signed_in_client.post(reverse("documents:facts", args=[document.pk]), correction())
    assert response.status_code == 404
    document.refresh_from_db()
    assert document.facts_edited is None


def test_corrections_need_a_post(signed_in_client, user):
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    assert signed_in_client.get(reverse("documents:facts", args=[document.pk])).status_code == 405


# --- The user's language --------------------------------------------------------------------
def test_the_worker_writes_in_the_users_language(user, fake_anthropic, monkeypatch):
    user.language = "ru"
    user.save(update_fields=["language"])
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    tasks.process_document(document.pk)
    assert MemoryEntry.objects.get(source_document=document).title.startswith("Анализы: City Lab")

    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text("Не могу."))
    other = make_document(user, text_pdf(["Другой документ"]), "application/pdf", "b.pdf")
    tasks.process_document(other.pk)
    other.refresh_from_db()
    assert other.facts_status == "unavailable" and "Anamnesis" in other.facts_error
    assert "модель" in other.facts_error.lower()

    def unreachable(document):
        raise OSError("storage unreachable")

    monkeypatch.setattr(pipeline, "read_file", unreachable)  # simulated: S3 down
    third = make_document(user, text_pdf(["Третий"]), "application/pdf", "c.pdf")
    tasks.process_document(third.pk)
    third.refresh_from_db()
    assert third.error.startswith("Обработка не удалась")


def test_the_periodic_job_writes_in_each_owners_language(user, make_user, settings, fake_anthropic):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    russian = make_user(email="ivan@example.com", language="ru")
    document = make_document(russian, text_pdf(LIPID_EN), "application/pdf")
    tasks.process_document(document.pk)
    settings.ANTHROPIC_API_KEY = "sk-ant-test-key"
    fake_anthropic.queue(*[Reply.http_error(529)] * 3)
    facts_state.extract_waiting()
    document.refresh_from_db()
    assert document.facts_status == "waiting" and "перегружен" in document.facts_error


def test_the_live_status_fragment_shows_the_facts_state_when_done(signed_in_client, user,
                                                                  settings):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    tasks.process_document(document.pk)
    response = signed_in_client.get(reverse("documents:detail", args=[document.pk]),
                                    {"fragment": "status"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'data-facts="waiting"' in response.content.decode()


def test_every_page_of_a_scan_goes_as_a_reasonably_sized_image(user, fake_anthropic):
    import base64
    import io

    import pymupdf
    from PIL import Image

    pdf = pymupdf.open()
    for number in range(6):  # six scanned pages: all of them, not the first three only
        pdf.insert_pdf(pymupdf.open(stream=image_only_pdf(scan_image([f"Page {number}"]))))
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = make_document(user, pdf.tobytes(), "application/pdf", "scans.pdf", pages=6)
    tasks.process_document(document.pk)
    images = image_parts(fake_anthropic.last_request)
    assert len(images) == 6
    for part in images:
        image = Image.open(io.BytesIO(base64.b64decode(part["source"]["data"])))
        assert image.format == "JPEG" and max(image.size) <= 1568


def test_page_images_stop_at_their_budget(user, monkeypatch):
    import pymupdf

    from documents import page_images

    pdf = pymupdf.open()
    for number in range(5):
        pdf.insert_pdf(pymupdf.open(stream=image_only_pdf(scan_image([f"Page {number}"]))))
    document = make_document(user, pdf.tobytes(), "application/pdf", "long.pdf", pages=5)
    data = pdf.tobytes()
    assert len(page_images.images_of(document, data)) == 5
    monkeypatch.setattr(page_images, "MAX_PAGES", 3)
    assert len(page_images.images_of(document, data)) == 3
    one = len(page_images.images_of(document, data)[0])
    monkeypatch.setattr(page_images, "MAX_BYTES", one * 2 + 1)
    assert len(page_images.images_of(document, data)) == 2
