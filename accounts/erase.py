"""Erasing an account: every file it owns (through storage), then every row."""

import logging
import os
from pathlib import PurePosixPath

from django.core.files.storage import FileSystemStorage
from django.db import transaction

from .models import DataExport
from .userdata import file_names

logger = logging.getLogger(__name__)


def erase_account(user) -> None:
    """Files go first: if that fails the account is still there and can be erased again,
    instead of rows gone and files left behind with nobody to delete them."""
    names = file_names(user)
    for export in DataExport.objects.for_user(user).exclude(file=""):
        names.append((export._meta.get_field("file"), export.file.name))
    for field, name in names:
        field.storage.delete(name)
        _remove_empty_folders(field.storage, name)
    with transaction.atomic():
        # Cascades reach every row that references the user, in every app.
        user.delete()
    logger.info("account erased: %d files", len(names))


def _remove_empty_folders(storage, name) -> None:
    """On local disk, the per-user folders (uploads/<user>/<doc>/) go too; object stores
    have no folders to leave behind."""
    if not isinstance(storage, FileSystemStorage):
        return
    folder = PurePosixPath(name).parent
    while str(folder) not in {".", ""}:
        try:
            os.rmdir(storage.path(str(folder)))
        except OSError:  # not empty, or already gone
            return
        folder = folder.parent
