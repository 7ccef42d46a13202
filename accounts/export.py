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

from django.core import serializers
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from .locale import user_language
from .models import DataExport
from .userdata import file_names, owned_models

# Above either limit the zip is built by a job instead of during the request.
SYNC_MAX_BYTES = 50 * 1024 * 1024
SYNC_MAX_FILES = 300
ACCOUNT_FIELDS = [
    "id", "email", "full_name", "role", "language", "timezone", "telegram_chat_id",
    "max_chats", "created", "updated", "last_login",
]

logger = logging.getLogger(__name__)


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
    from django_q.tasks import async_task

    discard(user)
    export = DataExport.objects.create(user=user)
    async_task("accounts.tasks.build_export", str(export.pk), task_name=f"export {export.pk}")
    return export


def build_into_storage(export: DataExport) -> None:
    """The job: write the zip to a temporary file, then save it through storage."""
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.RUNNING, progress=0)

    def progress(percent):
        # Never report 100 before the file is saved.
        DataExport.objects.filter(pk=export.pk).update(progress=min(percent, 99))

    try:
        with tempfile.TemporaryFile() as target:
            write_zip(export.user, target, progress=progress)
            size = target.tell()
            target.seek(0)
            export.file.save(filename(export.user), File(target), save=False)
    except Exception as error:
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.FAILED, error=str(error)[:1000], finished=timezone.now()
        )
        raise
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.DONE, progress=100, file=export.file.name, size=size,
        finished=timezone.now(),
    )


def discard(user) -> None:
    """Remove the user's earlier zips, files first: only the newest is kept."""
    for export in DataExport.objects.for_user(user):
        if export.file:
            export.file.storage.delete(export.file.name)
        export.delete()
