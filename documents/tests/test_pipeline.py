"""The processing pipeline on real files: text layers, OCR in both languages, the model's
structured extraction, the summary memory entry, failure, retry and reindex."""

import io
import re

import pymupdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django_q.conf import Conf
from django_q.models import Schedule

from documents import pipeline, search, status, tasks
from documents.models import Document
from memory.models import MemoryEntry
from tests.fakes.anthropic_server import Reply

from .conftest import LETTER_RU, LIPID_EN, image_bytes, image_only_pdf, scan_image, text_pdf

pytestmark = pytest.mark.django_db

FACTS = {
    "doc_type": "lab_result",
    "document_date": "2025-03-14",
    "provider": "City Lab",
    "summary": "Lipid panel with raised total and LDL cholesterol.",
    "findings": ["Total cholesterol above range", "LDL above range"],
    "lab_values": [
        {"analyte": "Total cholesterol", "value": 6.1, "unit": "mmol/L",
         "reference_range": "3.0-5.2", "flag": "high"},
        {"analyte": "LDL cholesterol", "value": "4,0", "unit": "mmol/L",
         "reference_range": "< 3.0", "flag": "high"},
    ],
}


def make_document(user, data, mime, name="doc.pdf", pages=1):
    document = Document(user=user, filename=name, mime_type=mime, file_size=len(data),
                        sha256=f"{len(data)}-{name}", page_count=pages)
    document.file.save(name, ContentFile(data), save=False)
    document.save()
    return document


def record_stages(monkeypatch) -> list[str]:
    stages = []
    real = status.set_stage
    monkeypatch.setattr(status, "set_stage",
                        lambda doc, stage: stages.append(stage) or real(doc, stage))
    return stages


def test_text_pdfs_in_english_and_russian_are_read_from_their_text_layer(user, monkeypatch):
    stages = record_stages(monkeypatch)
    english = make_document(user, text_pdf(LIPID_EN, pages=2), "application/pdf", "en.pdf")
    russian = make_document(user, text_pdf(LETTER_RU), "application/pdf", "ru.pdf")
    tasks.process_document(english.pk)
    tasks.process_document(russian.pk)
    english.refresh_from_db()
    russian.refresh_from_db()
    assert english.status == "completed" and english.page_count == 2
    assert english.extracted_text.count("atorvastatin 20 mg") == 2
    assert "Рекомендовано: контроль холестерина" in russian.extracted_text
    assert english.preview and russian.preview
    assert "ocr" not in stages


def test_ocr_reads_russian_scan_from_an_image(user, russian_scan):
    document = make_document(user, image_bytes(russian_scan), "image/png", "scan.png")
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.status == "completed", document.error
    assert "гемоглобин" in document.extracted_text.lower()
    assert "анемии" in document.extracted_text.lower()


def test_ocr_reads_english_photo_of_a_prescription_in_jpeg(user, english_scan):
    document = make_document(user, image_bytes(english_scan.convert("RGB"), "JPEG"),
                             "image/jpeg", "photo.jpg")
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert "Metformin" in document.extracted_text


def test_every_page_of_a_multipage_tiff_scan_is_read(user, russian_scan, english_scan):
    buffer = io.BytesIO()
    russian_scan.save(buffer, "TIFF", save_all=True, append_images=[english_scan])
    document = make_document(user, buffer.getvalue(), "image/tiff", "scanner.tiff")
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.page_count == 2
    assert "гемоглобин" in document.extracted_text.lower()
    assert "Metformin" in document.extracted_text


def test_image_only_pdf_gets_ocr_for_its_scanned_page_only(user, russian_scan, monkeypatch):
    pdf = pymupdf.open(stream=image_only_pdf(russian_scan), filetype="pdf")
    pdf.insert_pdf(pymupdf.open(stream=text_pdf(LIPID_EN), filetype="pdf"))
    stages = record_stages(monkeypatch)
    document = make_document(user, pdf.tobytes(), "application/pdf", "mixed.pdf", pages=2)
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert stages == ["text", "ocr:1/1"]  # which pages: test_readers, in this process
    assert "гемоглобин" in document.extracted_text.lower()
    assert "atorvastatin" in document.extracted_text
    assert search.search(user, "гемоглобин")[0].document_id == str(document.pk)


def test_without_an_api_key_text_stages_run_and_the_document_is_searchable(user, settings):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.status == "completed" and document.metadata == {}
    assert document.facts_status == "waiting"
    assert [hit.document_id for hit in search.search(user, "atorvastatin")] == [str(document.pk)]
    assert not MemoryEntry.objects.exists()


def test_model_extracts_facts_into_metadata_and_a_summary_memory(user, fake_anthropic):
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf", "lipids.pdf")
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.status == "completed"
    assert document.doc_type == "lab_result"
    assert str(document.document_date) == "2025-03-14"
    assert document.metadata["provider"] == "City Lab"
    assert document.metadata["lab_values"][0] == {
        "analyte": "Total cholesterol", "value": 6.1, "unit": "mmol/L",
        "reference_range": "3.0-5.2", "flag": "high"}
    request = fake_anthropic.requests[-1]
    assert request["tool_choice"] == {"type": "tool", "name": "record_document"}
    assert "atorvastatin" in request["messages"][0]["content"]
    entry = MemoryEntry.objects.get(source_document=document)
    assert entry.user == user and entry.category == "document_summary"
    assert "raised total and LDL" in entry.content and "City Lab" in entry.title
    assert user.token_usage.filter(source="document").get().requests == 1

    # Reindexing updates the same entry instead of adding another.
    fake_anthropic.queue(Reply.tool("record_document", {**FACTS, "summary": "Updated."}))
    tasks.reindex(document)
    tasks.process_document(document.pk)
    assert MemoryEntry.objects.get(source_document=document).content.startswith("Updated.")


def test_a_failure_retries_with_backoff_then_fails_with_the_reason(user, monkeypatch):
    # Storage that cannot be reached (S3 down) is simulated: no real part fails on demand.
    def unreachable(document):
        raise OSError("storage unreachable")

    monkeypatch.setattr(pipeline, "read_file", unreachable)
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    assert tasks.process_document(document.pk) == "retry"
    document.refresh_from_db()
    assert document.status == "pending" and document.stage == "retry" and document.attempts == 1
    retry = Schedule.objects.get(func=tasks.JOB, args__contains=str(document.pk))
    assert retry.schedule_type == Schedule.ONCE
    assert 25 <= (retry.next_run - document.updated).total_seconds() <= 40
    assert tasks.process_document(document.pk) == "retry"
    assert tasks.process_document(document.pk) == "failed"
    document.refresh_from_db()
    assert document.status == "failed" and document.attempts == tasks.MAX_ATTEMPTS
    assert "Processing failed" in document.error and "storage unreachable" in document.error


def test_a_model_error_leaves_the_document_completed_with_the_reason(user, fake_anthropic):
    fake_anthropic.responder = lambda body: Reply.http_error(400, "invalid_request_error")
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    assert tasks.process_document(document.pk) == "completed"
    document.refresh_from_db()
    assert document.status == "completed" and document.error == ""
    assert document.facts_status == "unavailable"
    assert "refused the request: Invalid request" in document.facts_error
    assert search.search(user, "atorvastatin")  # the text is searchable all the same


def test_a_passing_model_failure_is_retried_by_the_periodic_job(user, fake_anthropic):
    # The SDK retries an overload twice by itself; the periodic job retries after that.
    fake_anthropic.queue(*[Reply.http_error(529)] * 3, Reply.tool("record_document", FACTS))
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    assert tasks.process_document(document.pk) == "completed"
    document.refresh_from_db()
    assert document.facts_status == "waiting" and "overloaded" in document.facts_error
    assert tasks.extract_waiting_facts() == 1
    document.refresh_from_db()
    assert document.status == "completed" and document.facts_status == "done"
    assert document.facts_error == "" and document.doc_type == "lab_result"
    assert MemoryEntry.objects.filter(source_document=document).exists()


def test_encrypted_pdf_fails_at_once_with_that_reason(user):
    pdf = pymupdf.open(stream=text_pdf(LIPID_EN), filetype="pdf")
    data = pdf.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="o")
    document = make_document(user, data, "application/pdf")
    assert tasks.process_document(document.pk) == "failed"
    document.refresh_from_db()
    assert document.status == "failed" and "encrypted" in document.error
    assert not Schedule.objects.filter(func=tasks.JOB).exists()


def test_jobs_run_through_django_q(user, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)  # the broker runs the job in this process
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    tasks.enqueue(document.pk)
    document.refresh_from_db()
    assert document.status == "completed"


def test_stages_report_progress(user, monkeypatch):
    stages = record_stages(monkeypatch)
    document = make_document(user, image_only_pdf(scan_image(["OCR"])), "application/pdf")
    tasks.process_document(document.pk)
    assert stages == ["text", "ocr:1/1"]


def test_ocr_says_which_page_of_how_many_it_reads(user, monkeypatch, signed_in_client):
    pdf = pymupdf.open()
    for number in range(1, 4):
        pdf.insert_pdf(pymupdf.open(stream=image_only_pdf(scan_image([f"Page {number}"])),
                                    filetype="pdf"))
    stages = record_stages(monkeypatch)
    shown = []
    real = status.set_stage

    def look(document, stage):  # what the document page says at each step
        real(document, stage)
        page = signed_in_client.get(reverse("documents:detail", args=[document.pk]),
                                    {"fragment": "status"}).content.decode()
        shown.append(re.search(r'data-status="processing">.*?</svg>\s*([^<]+)</span>',
                               page, re.S).group(1).strip())

    monkeypatch.setattr(status, "set_stage", look)
    document = make_document(user, pdf.tobytes(), "application/pdf", "scan.pdf", pages=3)
    tasks.process_document(document.pk)
    assert stages == ["text", "ocr:1/3", "ocr:2/3", "ocr:3/3"]
    assert shown[1:] == ["OCR: page 1 of 3", "OCR: page 2 of 3", "OCR: page 3 of 3"]
