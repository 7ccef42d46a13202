"""Daily backups by the worker: the django-q2 schedule "accounts: scheduled backup" runs
`run` every hour; at the runtime setting `backup_hour` (the server's TIME_ZONE) it writes
a backup (accounts/backup.py) into DATA_DIR/backups/, or, when uploads are stored in S3,
into the bucket under backups/, and keeps the newest `backup_keep` of its own. The runtime
setting `backup_enabled` switches it off. A backup that fails is told to the
administrators through the listeners notifications registers (in-app and email).

Scheduled archives are named anamnesis-auto-<UTC time>.tar.gz; retention deletes only
those, never a backup someone made by hand.
"""

import logging
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from constance import config
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils import timezone

from .backup import backup
from .locale import default_zone

log = logging.getLogger(__name__)

PREFIX, SUFFIX = "anamnesis-auto-", ".tar.gz"
FOLDER = "backups"
TIME_FORMAT = "%Y%m%d-%H%M%S"

# (error text) -> None: told when a scheduled backup failed (notifications tells the admins).
failure_listeners: list[Callable[[str], object]] = []


def on_failure(listener: Callable[[str], object]) -> None:
    """Adds a listener once (an app's ready() may run more than once in tests)."""
    if listener not in failure_listeners:
        failure_listeners.append(listener)


def destination() -> tuple[Storage, str]:
    """(storage, folder prefix) where scheduled backups go: DATA_DIR/backups/ with local
    uploads; the uploads' own storage (the S3 bucket) under backups/ otherwise."""
    if isinstance(default_storage, FileSystemStorage):
        folder = Path(settings.DATA_DIR) / FOLDER
        return FileSystemStorage(location=folder, file_permissions_mode=0o600,
                                 directory_permissions_mode=0o700), ""
    return default_storage, f"{FOLDER}/"


def kept(storage: Storage, prefix: str) -> list[str]:
    """The scheduled backups in the destination, oldest first (the names sort by time)."""
    try:
        _folders, files = storage.listdir(prefix.rstrip("/") or ".")
    except FileNotFoundError:
        return []
    return sorted(prefix + name for name in files
                  if name.startswith(PREFIX) and name.endswith(SUFFIX))


def is_due(now: datetime) -> bool:
    """The hourly run at the hour an administrator chose, in the server's time zone."""
    return now.astimezone(default_zone()).hour == config.backup_hour


def run(now: datetime | None = None) -> dict:
    """The hourly entry point: a backup when due, then retention; failures are told."""
    now = now or timezone.now()
    if not config.backup_enabled:
        return {"skipped": "scheduled backups are off (runtime setting backup_enabled)"}
    if not is_due(now):
        return {"skipped": f"not the backup hour ({config.backup_hour}:00)"}
    try:
        return write(now)
    except Exception as error:  # whatever failed, the administrators must hear of it
        log.exception("The scheduled backup failed")
        reason = f"{type(error).__name__}: {error}"
        for listener in failure_listeners:
            listener(reason)
        return {"failed": reason}


def write(now: datetime) -> dict:
    """One backup into the destination, then the oldest beyond `backup_keep` deleted."""
    storage, prefix = destination()
    name = f"{prefix}{PREFIX}{now.astimezone(UTC):{TIME_FORMAT}}{SUFFIX}"
    if isinstance(storage, FileSystemStorage):
        Path(storage.location).mkdir(mode=0o700, parents=True, exist_ok=True)
        manifest = backup(Path(storage.path(name)))
    else:
        with tempfile.TemporaryDirectory(dir=settings.DATA_DIR) as scratch:
            local = Path(scratch) / "backup.tar.gz"
            manifest = backup(local)
            with local.open("rb") as archive:
                saved = storage.save(name, File(archive))
            if saved != name:  # the storage renamed it rather than overwrite: keep ours
                name = saved
    deleted = prune(storage, prefix, max(config.backup_keep, 1))
    log.info("Scheduled backup written to %s (%s rows, %s files); %s old ones deleted",
             name, manifest["objects"], manifest["files"], len(deleted))
    return {"written": name, "deleted": deleted, "objects": manifest["objects"],
            "files": manifest["files"]}


def prune(storage: Storage, prefix: str, keep: int) -> list[str]:
    """Deletes the oldest scheduled backups beyond the newest `keep`."""
    names = kept(storage, prefix)
    old = names[:-keep] if len(names) > keep else []
    for name in old:
        storage.delete(name)
    return old
