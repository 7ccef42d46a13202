"""Files in storage by folder: deleting a whole tree and the empty folders it leaves.
Used by the erase of an account and by the export's clean-up of a killed job."""

import os
from pathlib import PurePosixPath

from django.core.files.storage import FileSystemStorage


def delete_tree(storage, prefix: str) -> int:
    """Deletes every file under `prefix` (and, on local disk, its empty folders)."""
    try:
        folders, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for name in files:
        storage.delete(f"{prefix}/{name}")
        removed += 1
    for folder in folders:
        removed += delete_tree(storage, f"{prefix}/{folder}")
    remove_empty_folders(storage, f"{prefix}/x")
    return removed


def remove_empty_folders(storage, name) -> None:
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
