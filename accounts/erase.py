"""Erasing an account: cancel its jobs, delete every file it owns (its whole storage
prefix in every folder), then every row.

Order and locking: under the user's lock the account is switched off and its exports
cancelled, so no new export starts and a running one stops at its next step and removes
its own zip. Then the files go: first those the rows name, then everything under
<folder>/<user id>/ — a zip or a preview a job was writing at that moment included. Only
then the rows: if deleting files fails, the account is still there and can be erased
again, instead of rows gone and files left with nobody to delete them. A job that was
already past its last check (a document preview being saved) may still write a file after
that; a one-off sweep after the job time limit removes the prefixes once more.
"""

import logging
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .export import cancel_running
from .locks import user_lock
from .models import DataExport, User
from .stored_files import delete_tree, remove_empty_folders
from .userdata import file_names

logger = logging.getLogger(__name__)

# The top-level storage folders whose second level is a user id (see the upload_to
# functions of accounts and documents); folders found in the user's file names are added.
USER_FOLDERS = ("uploads", "previews", "generated", "exports", "avatars")
CANCELLED = "Cancelled: the account was erased."


def erase_account(user) -> None:
    user_id = user.pk  # deleting the row clears it
    with user_lock(user_id):
        User.objects.filter(pk=user_id).update(is_active=False)
        cancel_running(user, CANCELLED)
    try:
        names = file_names(user)
        for export in DataExport.objects.for_user(user).exclude(file=""):
            names.append((export._meta.get_field("file"), export.file.name))
        for field, name in names:
            field.storage.delete(name)
            remove_empty_folders(field.storage, name)
        removed = delete_user_prefixes(user_id, user_folders(user_id, [n for _f, n in names]))
    except BaseException:
        # The storage failed: the account stays, usable, so that it can be erased again.
        User.objects.filter(pk=user_id).update(is_active=user.is_active)
        raise
    with transaction.atomic():
        # Cascades reach every row that references the user, in every app.
        user.delete()
    _schedule_leftover_sweep(user_id)
    logger.info("account erased: %d files, %d more under its folders", len(names), removed)


def user_folders(user_id, names=()) -> list[str]:
    folders = set(USER_FOLDERS)
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) > 2 and parts[1] == str(user_id):
            folders.add(parts[0])
    return sorted(folders)


def delete_user_prefixes(user_id, folders=USER_FOLDERS, storage=None) -> int:
    """Deletes everything under <folder>/<user id>/ in storage; returns how many files."""
    storage = storage or default_storage
    removed = 0
    for folder in folders:
        prefix = f"{folder}/{user_id}"
        removed += delete_tree(storage, prefix)
        remove_empty_folders(storage, f"{prefix}/x")
    return removed


def _schedule_leftover_sweep(user_id) -> None:
    from django_q.models import Schedule
    from django_q.tasks import schedule

    next_run = timezone.now() + timedelta(seconds=settings.Q_CLUSTER.get("timeout", 600) + 60)
    schedule(
        "accounts.tasks.sweep_erased_user_files", str(user_id), schedule_type=Schedule.ONCE,
        repeats=1, next_run=next_run, name=f"sweep files of erased account {user_id}",
    )
