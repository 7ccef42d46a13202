"""A document's status moves only through documents/status.py, and every move is dated."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from documents import status
from documents.models import Document

APP = Path(__file__).resolve().parent.parent
# An UPDATE naming the fields, an assignment to a document's field, or a save of them.
WRITES = re.compile(
    r"\.update\([^)]*\b(status|error|attempts)="
    r"|\bdoc(ument)?\.(status|error|attempts) = "
    r"|update_fields=\[[^\]]*\"(status|error|attempts)\""
)


def test_nothing_but_status_py_writes_a_status():
    writers = [
        path.relative_to(APP).as_posix()
        for path in APP.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        and path.name != "status.py" and WRITES.search(path.read_text())
    ]
    assert writers == []


@pytest.mark.django_db
def test_transitions_write_the_row_and_move_updated(user):
    document = Document.objects.create(user=user, filename="a.txt", mime_type="text/plain")
    Document.objects.filter(pk=document.pk).update(updated=timezone.now() - timedelta(hours=1))
    status.start_processing(document)
    row = Document.objects.get(pk=document.pk)
    assert (row.status, row.attempts, row.stage) == ("processing", 1, "queued")
    assert timezone.now() - row.updated < timedelta(minutes=1)
    status.retry_later(document, "busy")
    assert Document.objects.values_list("status", "stage", "error").get() == (
        "pending", "retry", "busy")
    status.start_processing(document)
    status.fail(document, "x" * 3000)
    row = Document.objects.get(pk=document.pk)
    assert row.status == "failed" and len(row.error) == 2000 and row.attempts == 2
    status.requeue(document)
    assert Document.objects.values_list("status", "error", "attempts").get() == ("pending", "", 0)
    status.start_processing(document)
    status.complete(document)
    assert document.status == Document.objects.get().status == "completed"
