"""The /import/ page: upload (CSRF, size limit, foreign files), the job queued on commit, its
progress polled, the list with counts, and "Delete import" after a confirm; a stranger
reaches none of it."""

import pytest
from constance.test import override_config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from interop import tasks
from interop.models import RecordImport
from memory.models import Condition

from .helpers import DATA, run

pytestmark = pytest.mark.django_db


def _file(name, data=None):
    return SimpleUploadedFile(name, data if data is not None else (DATA / name).read_bytes())


def test_upload_queues_the_job_and_the_page_shows_the_counts(
        signed_in_client, user, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "async_task", lambda *args, **kwargs: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client.post("/import/", {"file": _file("bundle_collection.json")})
    assert response.status_code == 302
    record_import = RecordImport.objects.get(user=user)
    assert record_import.kind == "fhir" and record_import.status == "queued"
    assert queued == [(tasks.JOB, str(record_import.pk))]
    page = signed_in_client.get("/import/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "bundle_collection.json" in page
    tasks.run_import(str(record_import.pk))
    fragment = signed_in_client.get("/import/?fragment=rows", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and "hx-trigger" not in body
    assert 'data-count="imported">16<' in body and 'data-count="read">19<' in body
    assert "Conditions: <span" in body and "Why some were skipped" in body


def test_foreign_and_missing_files_get_a_clear_message(signed_in_client, user):
    response = signed_in_client.post("/import/", {"file": _file("notes.txt")})
    assert response.status_code == 415
    assert "This is not a file Anamnesis can import." in response.content.decode()
    response = signed_in_client.post("/import/", {})
    assert response.status_code == 400 and "Choose a file to import." in response.content.decode()
    assert not RecordImport.objects.exists()


def test_a_file_over_the_limit_is_refused(signed_in_client, user):
    with override_config(import_max_file_mb=0):
        response = signed_in_client.post("/import/", {"file": _file("condition.json")})
    assert response.status_code == 413
    assert "larger than the 0 MB limit" in response.content.decode()
    assert not RecordImport.objects.exists()


def test_upload_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/import/", {"file": _file("condition.json")})
    assert response.status_code == 403
    assert not RecordImport.objects.exists()


def test_a_broken_file_is_listed_with_its_error(signed_in_client, user):
    run(user, "broken.json")
    page = signed_in_client.get("/import/").content.decode()
    assert "The file is not valid JSON" in page and "Failed" in page


def test_delete_asks_first_then_takes_back_what_the_import_brought(signed_in_client, user):
    done = run(user, "bundle_transaction.json")
    confirm = signed_in_client.get(f"/import/{done.pk}/delete/")
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "Take back what this import brought?" in body and "Conditions" in body
    assert Condition.objects.filter(user=user).exists()
    response = signed_in_client.post(f"/import/{done.pk}/delete/")
    assert response.status_code == 302
    assert not Condition.objects.filter(user=user).exists()
    assert not RecordImport.objects.exists()


def test_a_stranger_cannot_see_or_delete_an_import(client, user, other_user):
    done = run(user, "bundle_transaction.json")
    client.force_login(other_user)
    assert "bundle_transaction.json" not in client.get("/import/").content.decode()
    assert client.get(f"/import/{done.pk}/delete/").status_code == 404
    assert client.post(f"/import/{done.pk}/delete/").status_code == 404
    assert RecordImport.objects.filter(pk=done.pk).exists()
    assert Condition.objects.filter(user=user).count() == 1


def test_the_page_needs_a_signed_in_user(client):
    assert client.get("/import/").status_code == 302
    assert client.get("/export/fhir/").status_code == 302
