"""Files go only through Django's storage API, so S3-compatible storage works by
configuration alone. Django's InMemoryStorage, with `path()` refused as S3 refuses it,
stands in for a remote backend: any `.path` use would fail here."""

import os

import pytest
from django.core.files.storage import InMemoryStorage, storages
from django.utils._os import safe_join

from documents import tasks
from documents.models import Document

from .conftest import LIPID_EN, text_pdf, upload

pytestmark = pytest.mark.django_db


class RemoteLikeStorage(InMemoryStorage):
    def _relative_path(self, name):  # InMemoryStorage itself goes through path()
        return os.path.relpath(safe_join(self.location, name), self.location)

    def path(self, name):
        raise NotImplementedError("This backend doesn't support absolute paths.")


@pytest.fixture
def remote_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "documents.tests.test_storage.RemoteLikeStorage"},
    }
    storage = storages["default"]
    with pytest.raises(NotImplementedError):
        storage.path("anything")
    return storage


def test_upload_process_download_and_delete_without_a_local_path(
    signed_in_client, user, remote_storage, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("documents.uploads.enqueue", tasks.process_document)
    data = text_pdf(LIPID_EN)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client.post("/documents/", {"files": [upload("lab.pdf", data)]})
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.status == "completed" and "atorvastatin" in document.extracted_text
    assert remote_storage.exists(document.file.name)
    assert remote_storage.exists(document.preview.name)
    download = signed_in_client.get(f"/documents/{document.pk}/download/")
    assert b"".join(download.streaming_content) == data
    with django_capture_on_commit_callbacks(execute=True):
        signed_in_client.post(f"/documents/{document.pk}/delete/")
    assert not remote_storage.exists(document.file.name)
    assert not remote_storage.exists(document.preview.name)
