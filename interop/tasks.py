"""The import job (django-q2): read the stored file by its kind, import what it holds,
record the outcome, and delete the uploaded file."""

import contextlib
import importlib
import logging
import os
import shutil
import tempfile
import time

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from accounts.locale import user_language

from . import fhir_file
from .errors import ImportFailed
from .fhir_import import import_resources, undo
from .models import RecordImport

log = logging.getLogger(__name__)
JOB = "interop.tasks.run_import"
# One run of the job imports for this long, then saves where it is and queues the rest:
# a large export never meets the worker's timeout (Q_CLUSTER["timeout"], 600 s).
SLICE_SECONDS = 420
Kind = RecordImport.Kind
Status = RecordImport.Status


def enqueue(import_id) -> None:
    try:
        async_task(JOB, str(import_id), group="imports", task_name=f"import {import_id}")
    except Exception:
        log.exception("Queueing import %s failed", import_id)
        RecordImport.objects.filter(pk=import_id).update(
            status=Status.FAILED, error="The import could not be queued; try again.")


@contextlib.contextmanager
def local_path(name: str):
    """A path on this machine for the stored file (a copy when storage is remote)."""
    try:
        yield default_storage.path(name)
        return
    except NotImplementedError:
        pass
    handle, path = tempfile.mkstemp(suffix=os.path.splitext(name)[1])
    try:
        with os.fdopen(handle, "wb") as copy, default_storage.open(name, "rb") as stored:
            shutil.copyfileobj(stored, copy, 1024 * 1024)
        yield path
    finally:
        os.unlink(path)


def converter(kind: str):
    """The module that turns the file into FHIR resources; a clear error when this build
    has none for the kind."""
    module = {Kind.APPLE_HEALTH: "interop.apple_health", Kind.CCDA: "interop.ccda"}[kind]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        raise ImportFailed(_("Importing this kind of file is not supported yet.")) from None


def resources_of(record_import: RecordImport, path: str, progress):
    if record_import.kind == Kind.FHIR:
        return fhir_file.resources(path)
    if record_import.kind == Kind.APPLE_HEALTH:
        return _told(converter(Kind.APPLE_HEALTH).resources(path, progress))
    if record_import.kind == Kind.CCDA:
        return _told(converter(Kind.CCDA).resources(path))
    raise ImportFailed(_("This is not a file Anamnesis can import."))


def _told(resources):
    """A converter says what is wrong with a file by a ValueError with a message for the
    user (a damaged zip, malformed XML at line N): that message is the import's error."""
    try:
        yield from resources
    except ValueError as error:
        raise ImportFailed(str(error)) from error


def run_import(import_id: str) -> str:
    record_import = RecordImport.objects.filter(pk=import_id).select_related("user").first()
    if record_import is None:
        return "gone"
    if record_import.status == Status.RUNNING:
        undo(record_import)  # a job killed midway: start again from nothing
        record_import.counts = {}
    elif record_import.status != Status.QUEUED:
        return "skipped"
    RecordImport.objects.filter(pk=record_import.pk).update(status=Status.RUNNING)
    with user_language(record_import.user):
        return _run(record_import)


def _run(record_import: RecordImport) -> str:
    outcome, error = Status.DONE, ""
    try:
        if not record_import.stored_path:
            raise ImportFailed(_("The uploaded file is gone; upload it again."))
        in_file = {}  # what the converter reports as it reads the file
        with local_path(record_import.stored_path) as path:
            counts = import_resources(
                record_import,
                resources_of(record_import, path, lambda **figures: in_file.update(figures)),
                until=time.monotonic() + SLICE_SECONDS, in_file=in_file)
        if counts.get("resume_at"):  # the rest in the next run, from where this one stopped
            RecordImport.objects.filter(pk=record_import.pk).update(status=Status.QUEUED)
            enqueue(record_import.pk)
            return "paused"
    except ImportFailed as failure:
        outcome, error = Status.FAILED, str(failure)
    except Exception as failure:
        log.exception("Import %s failed", record_import.pk)
        outcome = Status.FAILED
        error = _("The file could not be read to the end (%(reason)s); nothing was imported.") \
            % {"reason": type(failure).__name__}
    if outcome == Status.FAILED:
        record_import.refresh_from_db(fields=["counts"])
        counts = {**record_import.counts, "imported": 0, "by_type": {}}
    else:
        counts = RecordImport.objects.get(pk=record_import.pk).counts
    remove_file(record_import)
    RecordImport.objects.filter(pk=record_import.pk).update(
        status=outcome, error=error[:500], counts=counts, finished=timezone.now(),
        stored_path="")
    return outcome


def remove_file(record_import: RecordImport) -> None:
    if record_import.stored_path:
        try:
            default_storage.delete(record_import.stored_path)
        except OSError:
            log.warning("Could not delete the uploaded file of import %s", record_import.pk)
