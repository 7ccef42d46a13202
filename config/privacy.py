"""Private by default: what this instance writes is readable by its own user only.

Every process (daphne, the worker, the bot, manage.py) imports the settings first, so the
settings call `make_private` before anything is written: a umask for every file created
from then on, and a pass over an existing DATA_DIR that older versions left readable.
"""

import os
import stat
from pathlib import Path

UMASK = 0o077
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


# What Anamnesis keeps in DATA_DIR; anything else there (DATA_DIR may be a folder that
# holds other things too) is left as it is.
OWN_ENTRIES = ("db.sqlite3", "test-db.sqlite3", "secret_key", "vapid_private_key.pem", "media",
               "staticfiles")


def make_private(data_dir: Path) -> None:
    """Sets the umask, creates DATA_DIR and takes group and other bits off our files in it."""
    os.umask(UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    _tighten_one(data_dir)
    try:
        names = os.listdir(data_dir)
    except OSError:
        return
    for name in names:
        if name.split("-wal")[0].split("-shm")[0].split("-journal")[0] in OWN_ENTRIES:
            tighten(data_dir / name)


def _tighten_one(path: Path) -> None:
    try:
        info = os.lstat(path)
        if info.st_uid == os.getuid() and not stat.S_ISLNK(info.st_mode) and info.st_mode & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)
    except OSError:
        pass


def tighten(root: Path) -> int:
    """Removes group/other permission bits from `root` and everything under it that this
    user owns. Never follows symlinks, never touches another user's files (a volume
    shared on purpose keeps them). Returns how many entries were changed."""
    uid = os.getuid()
    changed = 0
    stack = [str(root)]
    while stack:
        path = stack.pop()
        try:
            info = os.lstat(path)
        except OSError:  # removed meanwhile
            continue
        if stat.S_ISLNK(info.st_mode) or info.st_uid != uid:
            continue
        if info.st_mode & 0o077:
            try:
                os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)
                changed += 1
            except OSError:
                pass
        if stat.S_ISDIR(info.st_mode):
            try:
                with os.scandir(path) as entries:
                    stack.extend(entry.path for entry in entries)
            except OSError:
                continue
    return changed
