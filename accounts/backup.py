"""Backup and restore of a whole instance: the database and the stored files, in one
.tar.gz, for the embedded (SQLite) and the production (PostgreSQL) mode alike.

The database goes in as Django's portable JSON (dumpdata, natural keys for content types
and permissions, which `migrate` rebuilds), so a backup restores into either mode — an
embedded instance can move to PostgreSQL this way. Files are the local storage (MEDIA_ROOT);
an S3 bucket is backed up by the object store's own means (docs/operations.md). The
embedded mode's generated secret key goes along, so that sessions and signed links
survive a restore.

Archive layout: manifest.json, database.json, files/<storage name>…, secret_key and
vapid_private_key.pem (if any).
"""

import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

FORMAT = 1
# The generated keys in DATA_DIR (notifications.vapid makes the Web Push key; accounts
# names the file rather than importing the app above it).
VAPID_KEY_FILE = "vapid_private_key.pem"
KEY_FILES = ("secret_key", VAPID_KEY_FILE)
# Rebuilt by migrate (content types, permissions), or worthless after a restore
# (sessions: everybody signs in again; django-q2's task results and queue).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "django_q.task",
            "django_q.ormq", "django_q.success", "django_q.failure"]

# () -> None, run after the rows are restored: what is derived from them and not in the
# backup is rebuilt (documents registers its search index in its ready(); accounts knows
# no app above it, docs/architecture.md).
after_restore: list[Callable[[], object]] = []


# Rows that `flush` brings back by itself (an app's post_migrate, as the labs catalogue's)
# would collide with the same rows of the dump: each app registers how to clear its own
# before the dump is loaded, and how to put them back after if the dump had none.
before_load: list[Callable[[], object]] = []


def on_flush_rows(clear: Callable[[], object]) -> None:
    if clear not in before_load:
        before_load.append(clear)


def on_restore(rebuild: Callable[[], object]) -> None:
    """Adds a rebuild once (an app's ready() may run more than once in tests)."""
    if rebuild not in after_restore:
        after_restore.append(rebuild)


def backup(target: Path) -> dict:
    """Writes the archive to `target`; returns its manifest."""
    target = Path(target)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "database.json"
        with transaction.atomic():  # one consistent snapshot of every table
            # Natural keys only for references to content types and permissions (rebuilt
            # by migrate with other ids); every row keeps its own primary key, which the
            # storage names of its files contain.
            call_command("dumpdata", "--natural-foreign",
                         *[f"--exclude={label}" for label in EXCLUDED],
                         "--output", str(dump), verbosity=0)
        files = sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []
        manifest = {
            "format": FORMAT, "created": timezone.now().isoformat(),
            "database": connection.vendor, "objects": len(json.loads(dump.read_text())),
            "files": len(files), "bytes": sum(p.stat().st_size for p in files),
        }
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
            archive.add(dump, "database.json")
            for path in files:
                archive.add(path, f"files/{path.relative_to(media).as_posix()}")
            for name in KEY_FILES:
                key_file = Path(settings.DATA_DIR) / name
                if key_file.exists():
                    archive.add(key_file, name)
        os.replace(partial, target)  # never a half-written backup under the real name
    return manifest


def _add_bytes(archive, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


class RestoreError(Exception):
    pass


def is_empty() -> bool:
    """No user account and no stored file: safe to restore into."""
    from accounts.models import User

    media = Path(settings.MEDIA_ROOT)
    has_files = media.exists() and any(p.is_file() for p in media.rglob("*"))
    return not User.objects.exists() and not has_files


def restore(source: Path, force: bool = False) -> dict:
    """Restores the archive into this instance's database and storage, which must be empty
    unless `force` (then their rows and files are replaced)."""
    source = Path(source)
    call_command("migrate", "--no-input", verbosity=0)
    if not force and not is_empty():
        raise RestoreError("This instance already has accounts or files; restore into an "
                           "empty one (or pass --force to replace everything).")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(source, "r:gz") as archive, tempfile.TemporaryDirectory() as scratch:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        if manifest.get("format") != FORMAT:
            raise RestoreError(f"Unknown backup format {manifest.get('format')!r}.")
        archive.extractall(scratch, filter="data")  # refuses absolute paths and ../
        dump = Path(scratch) / "database.json"
        with transaction.atomic():
            # flush empties every table; its post_migrate rebuilds content types and
            # permissions, and the data migrations' rows (schedules) come from the dump.
            call_command("flush", "--no-input", verbosity=0)
            created = _clear_migration_rows()
            for clear in before_load:
                clear()
            call_command("loaddata", str(dump), verbosity=0)
            _keep_newer_schedules(created)
        if force and media.exists():
            for path in sorted(media.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
        stored = Path(scratch) / "files"
        restored = 0
        if stored.exists():
            for path in stored.rglob("*"):
                if path.is_file():
                    destination = media / path.relative_to(stored)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, destination)
                    restored += 1
        key = Path(scratch) / "secret_key"
        if key.exists() and not os.environ.get("SECRET_KEY"):
            key_file = Path(settings.DATA_DIR) / "secret_key"
            key_file.write_text(key.read_text())
            key_file.chmod(0o600)
        # Browsers bind their push subscriptions to this key: the restored instance keeps it.
        vapid_key = Path(scratch) / VAPID_KEY_FILE
        if vapid_key.exists():
            key_file = Path(settings.DATA_DIR) / VAPID_KEY_FILE
            key_file.write_bytes(vapid_key.read_bytes())
            key_file.chmod(0o600)
    _reset_sequences()
    for rebuild in after_restore:
        rebuild()
    return {**manifest, "restored_files": restored}


def _clear_migration_rows() -> list:
    """Rows that data migrations create (django-q2 schedules) are in the dump too; returns
    the ones this version's migrations made."""
    from django_q.models import Schedule

    created = list(Schedule.objects.all())
    Schedule.objects.all().delete()
    return created


def _keep_newer_schedules(created: list) -> None:
    """A backup of an older version lacks the schedules its successors' migrations add
    (the scheduled backup itself): they come back as this version's migrations made them."""
    from django_q.models import Schedule

    restored = set(Schedule.objects.values_list("name", flat=True))
    for schedule in created:
        if schedule.name not in restored:
            schedule.pk = None
            schedule.save()


def _reset_sequences() -> None:
    """PostgreSQL: integer primary keys continue after the restored rows."""
    if connection.vendor != "postgresql":
        return
    from django.apps import apps
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
