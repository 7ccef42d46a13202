"""The data export: a zip with JSON for every row the user owns, their original files and
generated PDFs (read through the storage API), and a README. Small accounts download at
once; large ones are built by a job into storage, with progress.
"""

import contextlib
import io
import json
import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .locale import user_language
from .locks import user_lock
from .models import DataExport
from .stored_files import delete_tree
from .userdata import file_names, owned_models

# Above either limit the zip is built by a job instead of during the request.
SYNC_MAX_BYTES = 50 * 1024 * 1024
SYNC_MAX_FILES = 300
ACCOUNT_FIELDS = [
    "id", "email", "full_name", "role", "language", "timezone", "telegram_chat_id",
    "max_chats", "created", "updated", "last_login",
]

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 2
STALE_MARGIN_SECONDS = 60
STOPPED = ("The export stopped unexpectedly (out of memory, the time limit or a restart) "
           "and did not succeed when tried again.")
ACTIVE = (DataExport.Status.PENDING, DataExport.Status.RUNNING)


class Cancelled(Exception):
    """The export's row was cancelled or deleted (a newer request, an erased account)."""


@dataclass
class Summary:
    counts: list[tuple[str, int]]  # (verbose name plural, rows)
    files: int
    bytes: int

    @property
    def is_large(self) -> bool:
        return self.bytes > SYNC_MAX_BYTES or self.files > SYNC_MAX_FILES


def summarise(user) -> Summary:
    counts = []
    for owned in owned_models():
        count = owned.rows(user).count()
        if count:
            counts.append((str(owned.model._meta.verbose_name_plural).capitalize(), count))
    names = file_names(user)
    total = 0
    for field, name in names:
        # A missing file is reported inside the zip, not here.
        with contextlib.suppress(OSError):
            total += field.storage.size(name)
    return Summary(counts=counts, files=len(names), bytes=total)


def write_zip(user, target, progress=None) -> None:
    """Write the user's zip into the binary file object `target`."""
    owned = owned_models()
    names = file_names(user)
    steps = max(1, len(owned) + len(names))
    done = 0
    missing = []
    tables = []

    def step():
        nonlocal done
        done += 1
        if progress is not None:
            progress(int(done * 100 / steps))

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        account = {field: getattr(user, field) for field in ACCOUNT_FIELDS}
        account["avatar"] = user.avatar.name or None
        archive.writestr("data/account.json", json.dumps(account, cls=DjangoJSONEncoder, indent=2))
        for item in owned:
            rows = item.rows(user)
            count = rows.count()
            if count:
                path = f"data/{item.model._meta.app_label}/{item.model._meta.model_name}.json"
                with archive.open(path, "w") as raw, io.TextIOWrapper(raw, "utf-8") as text:
                    serializers.serialize("json", rows.iterator(), stream=text, indent=2)
                tables.append((path, count))
            step()
        for field, name in names:
            try:
                with field.storage.open(name, "rb") as source, archive.open(
                    f"files/{name}", "w", force_zip64=True
                ) as sink:
                    shutil.copyfileobj(source, sink, 1024 * 1024)
            except OSError:
                logger.warning("export of %s: file %s is missing", user.pk, name)
                missing.append(name)
            step()
        with user_language(user):
            readme = render_to_string(
                "accounts/export_readme.txt",
                {"user": user, "now": timezone.now(), "tables": tables,
                 "files": len(names) - len(missing), "missing": missing},
            )
        archive.writestr("README.md", readme)


def filename(user) -> str:
    return f"anamnesis-export-{timezone.localdate():%Y-%m-%d}.zip"


def build_now(user):
    """A temporary file holding the zip, positioned at its start (small accounts)."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_zip(user, target)
    target.seek(0)
    return target


def start_job(user) -> DataExport:
    """Queues a job, or hands back the one already on its way: a new request never deletes
    the row of a job that is still writing its zip."""
    with user_lock(user.pk):
        running = DataExport.objects.for_user(user).filter(status__in=ACTIVE).first()
        if running is not None:
            return running
        discard(user)
        export = DataExport.objects.create(user=user)
    enqueue(export)
    return export


def enqueue(export) -> bool:
    """Queues the job. With the broker down (Redis) the row stays queued and the sweeper
    queues it again later, instead of the page failing."""
    from django_q.tasks import async_task

    try:
        async_task("accounts.tasks.build_export", str(export.pk), task_name=f"export {export.pk}")
    except Exception as error:  # the broker's client raises its own connection errors
        logger.warning("export %s not queued (%s: %s); the sweeper will retry",
                       export.pk, type(error).__name__, error)
        return False
    return True


def build_into_storage(export: DataExport) -> None:
    """The job: write the zip to a temporary file, then save it through storage.

    Every step checks the row is still ours (not cancelled by an erase); the file is
    recorded under the user's lock, and removed again if the row went away meanwhile.
    """
    started = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.RUNNING, progress=0, attempts=F("attempts") + 1,
        heartbeat=timezone.now(),
    )
    if not started:
        return  # cancelled while queued, or another copy of the job has it
    mine = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.RUNNING)

    def progress(percent):
        # Never report 100 before the file is saved.
        if not mine.update(progress=min(percent, 99), heartbeat=timezone.now()):
            raise Cancelled

    try:
        with tempfile.TemporaryFile() as target:
            write_zip(export.user, target, progress=progress)
            size = target.tell()
            target.seek(0)
            export.file.save(filename(export.user), File(target), save=False)
        with user_lock(export.user_id):
            recorded = mine.update(
                status=DataExport.Status.DONE, progress=100, file=export.file.name, size=size,
                finished=timezone.now(),
            )
        if not recorded:
            raise Cancelled
    except Cancelled:
        logger.info("export %s was cancelled", export.pk)
        if export.file:
            export.file.storage.delete(export.file.name)
        return
    except BaseException as error:
        # BaseException: django-q2's timeout is a SystemExit; record it, then let it end
        # the job as it means to.
        mine.update(status=DataExport.Status.FAILED, error=failure_reason(error),
                    finished=timezone.now())
        raise


def failure_reason(error: BaseException) -> str:
    if isinstance(error, SystemExit | KeyboardInterrupt):
        return "The export was stopped (time limit or shutdown). Please try again."
    return f"{type(error).__name__}: {error}"[:1000]


def sweep_stale(now=None) -> dict:
    """Exports whose job died without a word (killed for memory, the worker restarted, the
    enqueue lost): queued again up to MAX_ATTEMPTS, then failed with the reason.

    A running job beats at every step; a queued one only waits. Either is stale once it has
    been quiet longer than the job time limit allows.
    """
    now = now or timezone.now()
    quiet_since = now - stale_after()
    stale = DataExport.objects.filter(status__in=ACTIVE).filter(
        Q(heartbeat__lt=quiet_since) | Q(heartbeat__isnull=True, created__lt=quiet_since)
    )
    counts = {"retried": 0, "failed": 0}
    for row in stale:
        current = DataExport.objects.filter(pk=row.pk, status=row.status, heartbeat=row.heartbeat)
        if row.attempts >= MAX_ATTEMPTS:
            if current.update(status=DataExport.Status.FAILED, finished=now, error=STOPPED):
                counts["failed"] += 1
                _delete_partial(row)
            continue
        if current.update(status=DataExport.Status.PENDING, progress=0, heartbeat=now):
            _delete_partial(row)
            enqueue(row)
            counts["retried"] += 1
    if any(counts.values()):
        logger.warning("stale exports: %s", counts)
    return counts


def stale_after() -> timedelta:
    return timedelta(seconds=settings.Q_CLUSTER.get("timeout", 600) + STALE_MARGIN_SECONDS)


def _delete_partial(row) -> None:
    """A killed job may have saved its zip without recording it: its folder goes."""
    delete_tree(row._meta.get_field("file").storage, f"exports/{row.user_id}/{row.pk}")


def cancel_running(user, reason: str) -> int:
    """Marks the user's queued and running exports failed; their jobs stop at the next
    step and remove what they wrote. Call under `user_lock`."""
    return DataExport.objects.for_user(user).filter(status__in=ACTIVE).update(
        status=DataExport.Status.FAILED, error=reason, finished=timezone.now()
    )


def discard(user) -> None:
    """Remove the user's earlier finished zips, files first: only the newest is kept."""
    for export in DataExport.objects.for_user(user).exclude(status__in=ACTIVE):
        if export.file:
            export.file.storage.delete(export.file.name)
        export.delete()
