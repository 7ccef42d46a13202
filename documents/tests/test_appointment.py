"""The appointment summary PDF: allergies, active conditions, medications, lab values out of
range with their trend, the recent documents with their dates, and a page of the user's
own questions — read back from the real PDF (WeasyPrint) with PyMuPDF."""

import datetime

import pymupdf
import pytest
from django.urls import reverse
from django.utils import timezone

from documents import search
from documents.appointment import questions_from
from documents.lab_values import normalise_document
from documents.models import Document
from memory.models import MemoryEntry

pytestmark = pytest.mark.django_db


def _lab_document(user, name, day, ferritin):
    document = Document.objects.create(
        user=user, filename=name, mime_type="text/plain", sha256=name,
        extracted_text=f"Ferritin {ferritin} ng/mL (15-150)", status=Document.Status.COMPLETED,
        document_date=day, doc_type="lab_result", metadata={"provider": "City Lab", "lab_values": [
            {"analyte": "Ferritin", "value": str(ferritin), "unit": "ng/mL",
             "reference_range": "15-150"}]})
    search.index_document(document)
    normalise_document(document)
    return document


def _pages(response) -> list[str]:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pymupdf.open(stream=b"".join(response.streaming_content), filetype="pdf")
    return [page.get_text() for page in pdf]


def test_the_summary_carries_allergies_conditions_trends_documents_and_questions(
        signed_in_client, user, other_user):
    MemoryEntry.objects.create(user=user, category="allergy", title="Penicillin",
                               content="hives in 2019", importance="critical")
    MemoryEntry.objects.create(user=user, category="condition", title="Hypothyroidism",
                               importance="high")
    MemoryEntry.objects.create(user=user, category="condition", title="Old sprain",
                               importance="low", is_active=False)
    MemoryEntry.objects.create(user=other_user, category="allergy", title="Bob's latex")
    today = timezone.localdate()
    _lab_document(user, "ferritin-spring.txt", today - datetime.timedelta(days=200), 40)
    _lab_document(user, "ferritin-autumn.txt", today - datetime.timedelta(days=30), 11)
    page = signed_in_client.get(reverse("pdfs:appointment")).content.decode()
    assert 'name="questions"' in page  # the form asks for them first
    response = signed_in_client.post(reverse("pdfs:appointment"), {
        "questions": "- Should I raise the iron dose?\n\n* When to repeat ferritin?\n"})
    pages = _pages(response)
    first, last = "\n".join(pages[:-1]), pages[-1]
    assert "Penicillin" in first and "hives in 2019" in first
    assert "Hypothyroidism" in first and "Old sprain" not in first
    assert "Bob's latex" not in "".join(pages)
    # Ferritin out of range: the latest value, the one before (in SI units, µg/L = ng/mL),
    # the trend over the series, how many were out of range, the reference range.
    assert "Ferritin" in first and "11 µg/L" in first and "40 µg/L" in first
    assert "Reference range: 15–150" in first
    assert "falling" in first and "1 of 2" in first
    # The recent documents with their dates and the lab that made them.
    assert "ferritin-autumn.txt" in first and "ferritin-spring.txt" in first
    assert "City Lab" in first
    # The questions on a page of their own, without their list markers.
    assert "My questions" in last and "Should I raise the iron dose?" in last
    assert "When to repeat ferritin?" in last and "- Should" not in last


def test_without_questions_there_is_no_questions_page_and_russian_reads_russian(
        client, make_user):
    ivan = make_user("ivan@example.com", language="ru")
    MemoryEntry.objects.create(user=ivan, category="allergy", title="Пенициллин")
    client.force_login(ivan)
    pages = _pages(client.post(reverse("pdfs:appointment")))
    text = "".join(pages)
    assert "Аллергии" in text and "Пенициллин" in text and "Мои вопросы" not in text


def test_questions_are_one_a_line_and_bounded():
    assert questions_from("  1  \n\n• two\n- three ") == ["1", "two", "three"]
    assert sum(len(q) for q in questions_from("x" * 10_000)) == 4000
