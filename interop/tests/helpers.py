"""Importing the test files as the page does: stored, queued, run by the job."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from interop import tasks, uploads
from interop.models import RecordImport

DATA = Path(__file__).parent / "data"


def upload(user, name: str, data: bytes | None = None) -> RecordImport:
    content = data if data is not None else (DATA / name).read_bytes()
    return uploads.accept(user, SimpleUploadedFile(name, content))


def run(user, name: str, data: bytes | None = None) -> RecordImport:
    record_import = upload(user, name, data)
    tasks.run_import(str(record_import.pk))
    record_import.refresh_from_db()
    return record_import
