"""Files attached to a chat message: the registry through which the documents app stores
them and gives back their text, so that chats never imports it.

The documents app calls `register(save=…, find=…, url=…)` in its AppConfig.ready():
- `save(user, uploaded) -> File`: stores one uploaded file as the user's document (the
  upload page's checks, queued for processing) or raises `Refused` with a message;
- `find(user, ids) -> list[File]`: the user's own files among `ids` as they are now — their
  state, and their text once it is read; another user's id is simply not among them;
- `url(id) -> str`: where the page links an attached file (or any of the user's documents);
- `owned(user, ids) -> set[str]`: which of `ids` are the user's own documents (the sources
  listed under an answer, sources.py);
- `images(user, id) -> list[bytes]`: JPEG images of a read file's pages when it is a photo
  or a scan (none otherwise), for a model that reads images as well as the OCR text.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

READING, READY, FAILED = "reading", "ready", "failed"
MAX_FILES = 10  # attached to one message


class Refused(Exception):
    """A file that cannot be attached; `args[0]` says why, in the user's language."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class File:
    id: str
    name: str
    state: str = READING  # READING until its text is read, then READY, or FAILED
    text: str = ""  # once READY
    error: str = ""  # once FAILED: why, in the user's language

    def as_stored(self) -> dict:
        """What a question keeps of it in its metadata."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class _Store:
    save: Callable[[Any, Any], File]
    find: Callable[[Any, Iterable[str]], list[File]]
    url: Callable[[str], str]
    owned: Callable[[Any, Iterable[str]], set[str]] | None = None
    images: Callable[[Any, str], list[bytes]] | None = None


_store: _Store | None = None


def register(*, save, find, url, owned=None, images=None) -> None:
    global _store
    _store = _Store(save=save, find=find, url=url, owned=owned, images=images)


def is_available() -> bool:
    return _store is not None


def save(user, uploaded) -> File:
    if _store is None:
        raise Refused("Attachments are not available.")
    return _store.save(user, uploaded)


def find(user, ids: Iterable[str]) -> list[File]:
    """The user's files among `ids`, in the order asked; unknown and foreign ids left out."""
    ids = [str(value) for value in ids]
    if _store is None or not ids:
        return []
    found = {file.id: file for file in _store.find(user, ids)}
    return [found[value] for value in dict.fromkeys(ids) if value in found]


def owned(user, ids: Iterable[str]) -> set[str]:
    """Which of `ids` are `user`'s own documents; unknown and foreign ids left out."""
    ids = {str(value) for value in ids}
    if _store is None or _store.owned is None or not ids:
        return set()
    return {str(value) for value in _store.owned(user, ids)} & ids


def images(user, file_id) -> list[bytes]:
    """JPEG images of the user's file `file_id` (a photo or a scan); [] for anything else,
    for another user's file, or when the documents app offers none."""
    if _store is None or _store.images is None:
        return []
    return list(_store.images(user, str(file_id)))


def url(file_id) -> str:
    return _store.url(str(file_id)) if _store is not None else ""
