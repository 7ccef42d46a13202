"""Document pages: ownership of every URL, download, preview, reindex, delete, live status."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents import tasks
from documents.models import Document, GeneratedPDF

from .conftest import LIPID_EN, text_pdf

pytestmark = pytest.mark.django_db


def processed(user, name="lab.pdf", data=None):
    data = data or text_pdf(LIPID_EN)
    document = Document(user=user, filename=name, mime_type="application/pdf",
                        file_size=len(data), sha256=name)
    document.file.save("lab.pdf", ContentFile(data), save=False)
    document.save()
    tasks.process_document(document.pk)
    document.refresh_from_db()
    return document


def test_another_users_document_is_404_at_every_url(client, user, other_user):
    document = processed(other_user)
    report = GeneratedPDF(user=other_user, title="Theirs")
    report.file.save("r.pdf", ContentFile(b"%PDF-1.4"), save=False)
    report.save()
    client.force_login(user)
    base = f"/documents/{document.pk}/"
    for url in (base, base + "preview/", base + "download/", f"{base}?fragment=status",
                f"/pdfs/{report.pk}/download/"):
        assert client.get(url).status_code == 404, url
    for url in (base + "reindex/", base + "delete/"):
        assert client.post(url).status_code == 404, url
    assert Document.objects.filter(pk=document.pk, status="completed").exists()
    assert default_storage.exists(document.file.name)


def test_signed_out_visitors_are_sent_to_sign_in(client, user):
    document = processed(user)
    for url in ("/documents/", f"/documents/{document.pk}/download/", "/documents/search/?q=x",
                "/pdfs/", "/memory/trends/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_detail_shows_preview_text_and_actions(signed_in_client, user):
    document = processed(user)
    page = signed_in_client.get(f"/documents/{document.pk}/").content.decode()
    assert "atorvastatin 20 mg" in page
    assert f"/documents/{document.pk}/preview/" in page
    preview = signed_in_client.get(f"/documents/{document.pk}/preview/")
    assert preview["Content-Type"] == "image/png"
    assert b"".join(preview.streaming_content).startswith(b"\x89PNG")


def test_download_is_an_attachment_with_the_original_bytes(signed_in_client, user):
    data = text_pdf(LIPID_EN)
    document = processed(user, "анализ.pdf", data)
    response = signed_in_client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == data


def test_text_downloads_as_an_attachment_even_when_inline_is_asked(signed_in_client, user):
    document = Document(user=user, filename="note.txt", mime_type="text/plain", sha256="t")
    document.file.save("note.txt", ContentFile(b"<script>alert(1)</script>"), save=False)
    document.save()
    response = signed_in_client.get(f"/documents/{document.pk}/download/?inline=1")
    assert response["Content-Disposition"].startswith("attachment")


def test_delete_removes_the_row_and_its_files(signed_in_client, user, django_capture_on_commit_callbacks):
    document = processed(user)
    summary = document.memory_entries.create(user=user, category="document_summary", title="S")
    kept = document.memory_entries.create(user=user, category="condition", title="Anaemia")
    names = [document.file.name, document.preview.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client.post(f"/documents/{document.pk}/delete/")
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert not type(summary).objects.filter(pk=summary.pk).exists()
    kept.refresh_from_db()
    assert kept.source_document is None


def test_reindex_queues_the_pipeline_again(signed_in_client, user, monkeypatch):
    document = processed(user)
    queued = []
    monkeypatch.setattr(tasks, "enqueue", queued.append)
    response = signed_in_client.post(f"/documents/{document.pk}/reindex/")
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == "pending" and queued == [document.pk]


def test_busy_list_polls_and_finished_list_stops(signed_in_client, user):
    document = Document.objects.create(user=user, filename="a.pdf", mime_type="application/pdf",
                                       sha256="a", status="processing", stage="ocr")
    page = signed_in_client.get("/documents/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "Reading scanned pages" in page
    Document.objects.filter(pk=document.pk).update(status="failed", error="The PDF is encrypted")
    fragment = signed_in_client.get("/documents/?fragment=rows", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and "hx-trigger" not in body
    assert "Failed" in body and "The PDF is encrypted" in body


def test_detail_status_fragment_reports_completion(signed_in_client, user):
    document = Document.objects.create(user=user, filename="a.pdf", mime_type="application/pdf",
                                       sha256="a", status="pending")
    assert 'hx-trigger="every 2s"' in signed_in_client.get(f"/documents/{document.pk}/").content.decode()
    Document.objects.filter(pk=document.pk).update(status="completed")
    fragment = signed_in_client.get(f"/documents/{document.pk}/?fragment=status",
                                    headers={"HX-Request": "true"})
    assert "Completed" in fragment.content.decode()
    assert "hx-trigger" not in fragment.content.decode()
    assert fragment["HX-Refresh"] == "true"  # the page reloads to show the results


def test_list_query_count_does_not_grow_with_rows(signed_in_client, user):
    """The same queries, at most 13, with 3 documents and with 1,000 (50 a page)."""
    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            response = signed_in_client.get("/documents/", params)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    def documents(numbers):
        Document.objects.bulk_create(
            Document(user=user, filename=f"{i:04}.pdf", sha256=str(i), mime_type="application/pdf",
                     status=["completed", "failed", "completed", "processing"][i % 4],
                     doc_type="lab_result", page_count=2, file_size=1000 + i)
            for i in numbers)

    documents(range(3))
    queries()  # warms the session and runtime-settings caches
    few, _ = queries()
    documents(range(3, 1000))
    many, page = queries()
    assert many == few <= 13
    assert "Page 1 of 20" in page and page.count('href="/documents/') >= 50
    last, page = queries(page=20)
    assert last == few and "Page 20 of 20" in page
