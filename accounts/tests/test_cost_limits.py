"""Rate limits on what costs the instance: uploads, reindexing, compiling PDFs and exports,
each per user with a clear 429 page (and a clear tool error for the assistant)."""

import pytest
from django.core.cache import cache

from accounts import rate_limits
from documents.models import Document, GeneratedPDF
from documents.tests.conftest import upload
from memory.models import MemoryEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def limit(monkeypatch):
    def set_limit(action, count):
        old = rate_limits.LIMITS[action]
        monkeypatch.setitem(rate_limits.LIMITS, action,
                            rate_limits.Limit(count, old.seconds, old.message))
    return set_limit


def test_uploads_count_files_and_stop_with_a_429_page(signed_in_client, limit, monkeypatch):
    monkeypatch.setattr("documents.uploads.enqueue", lambda pk: None)
    limit("upload", 2)
    response = signed_in_client.post("/documents/", {"files": [
        upload("a.txt", b"Aspirin 100 mg daily"), upload("b.txt", b"Metformin 500 mg")]})
    assert response.status_code == 302
    response = signed_in_client.post("/documents/", {"files": [upload("c.txt", b"Vitamin D")]})
    assert response.status_code == 429
    assert "You have uploaded many files in the last hour" in response.content.decode()
    assert Document.objects.count() == 2


def test_limits_are_per_user(client, user, other_user, limit, monkeypatch):
    monkeypatch.setattr("documents.uploads.enqueue", lambda pk: None)
    limit("upload", 1)
    client.force_login(user)
    client.post("/documents/", {"files": [upload("a.txt", b"Aspirin 100 mg daily")]})
    client.force_login(other_user)
    response = client.post("/documents/", {"files": [upload("a.txt", b"Aspirin 100 mg daily")]})
    assert response.status_code == 302


def test_reindexing_too_often_gets_a_429(signed_in_client, user, limit, monkeypatch):
    queued = []
    monkeypatch.setattr("documents.tasks.enqueue", queued.append)
    document = Document.objects.create(user=user, filename="a.txt", mime_type="text/plain",
                                       file_size=1, sha256="x", status="completed")
    limit("reindex", 1)
    assert signed_in_client.post(f"/documents/{document.pk}/reindex/").status_code == 302
    response = signed_in_client.post(f"/documents/{document.pk}/reindex/")
    assert response.status_code == 429
    assert "process documents again too often" in response.content.decode()
    assert len(queued) == 1


def test_compiling_too_many_pdfs_gets_a_429_and_the_tool_an_error(
    signed_in_client, user, limit
):
    from chats.tool_registry import ToolContext, get

    entry = MemoryEntry.objects.create(user=user, title="Hypertension", content="Since 2019")
    limit("compile", 1)
    first = signed_in_client.post("/pdfs/", {"title": "One", "memory": [entry.pk]})
    assert first.status_code == 302
    second = signed_in_client.post("/pdfs/", {"title": "Two", "memory": [entry.pk]})
    assert second.status_code == 429
    assert "compiled many PDF reports" in second.content.decode()
    result = get("generate_pdf").run(ToolContext(user), {"title": "Three"})
    assert result.is_error and "compiled many PDF reports" in result.content
    assert GeneratedPDF.objects.count() == 1


def test_exporting_too_often_gets_a_429(signed_in_client, limit):
    limit("export", 1)
    assert signed_in_client.post("/settings/export/").status_code == 200
    response = signed_in_client.post("/settings/export/")
    assert response.status_code == 429
    assert "exported your data several times" in response.content.decode()


def test_the_429_page_is_in_the_users_language(client, user, limit):
    user.language = "ru"
    user.save()
    client.force_login(user)
    limit("export", 0)
    response = client.post("/settings/export/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 429
    assert "Слишком много запросов" in response.content.decode()
