"""The files attached to a question: the turn waits for their text (bounded), then gives
it to the model as data blocks of the current user turn, each with its file's name.

A photo or a scan also goes as images of its pages (before its text), to a model that
reads images (`images_for`, at most MAX_IMAGES a question); a server that refuses images
gets the text alone (engine.py).

A file that cannot be read in time — processing failed, it is still queued, it was
deleted, it holds no text — does not stop the answer: the model is told which one it
could not read, and the answer says so under its text (`unread`).
"""

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from .. import attachments
from . import untrusted

logger = logging.getLogger(__name__)

WAIT_SECONDS = 120.0  # at most this long for the text of the attached files
POLL_INTERVAL = 1.0
MAX_TEXT_CHARS = 40_000  # of one file's text given to the model
MAX_IMAGES = 10  # page images of the attached files, all together


def stored(question) -> list[dict]:
    """The attachments a question keeps in its metadata: [{"id", "name"}]."""
    return [item for item in (question.metadata or {}).get("attachments") or []
            if isinstance(item, dict) and item.get("id")]


async def wait_for_text(user, items: list[dict],
                        progress: Callable[[list[str]], Awaitable[None]]) -> list:
    """The attached files once none is still being read, or when the wait is over.
    `progress(names)` is awaited whenever the names still being read change (not when
    none is left)."""
    ids = [item["id"] for item in items]
    deadline = time.monotonic() + WAIT_SECONDS
    shown = []
    while True:
        files = await sync_to_async(attachments.find)(user, ids)
        reading = [file.name for file in files if file.state == attachments.READING]
        if reading and reading != shown:
            shown = reading
            await progress(reading)
        if not reading or time.monotonic() >= deadline:
            return files
        await asyncio.sleep(POLL_INTERVAL)


def images_for(user, files: list) -> dict[str, list[bytes]]:
    """JPEG page images of the read files that are photos or scans, by file id, at most
    MAX_IMAGES in all. Synchronous (reads the stored files)."""
    found, left = {}, MAX_IMAGES
    for file in files:
        if left <= 0:
            break
        if file.state != attachments.READY:
            continue
        try:
            images = attachments.images(user, file.id)[:left]
        except Exception:  # the text still goes; an image is a bonus
            logger.exception("the images of an attached file could not be read")
            continue
        if images:
            found[file.id] = images
            left -= len(images)
    return found


def image_block(jpeg: bytes) -> dict:
    return {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                        "data": base64.b64encode(jpeg).decode("ascii")}}


def why_unread(file, has_images: bool = False) -> str:
    """Why a file's text is not given to the model; "" when it is (or when its images
    are: a photo without text)."""
    if file is None:
        return _("It is no longer in your documents.")
    if file.state == attachments.FAILED:
        return file.error or _("Processing it failed.")
    if file.state == attachments.READING:
        return _("It was still being processed after %(seconds)s seconds; it will be in your "
                 "documents once it is done.") % {"seconds": int(WAIT_SECONDS)}
    if not file.text.strip() and not has_images:
        return _("No text was found in it.")
    return ""


def outcome(items: list[dict], files: list,
            images: dict[str, list[bytes]] | None = None) -> tuple[list[dict], list[dict]]:
    """The turn's blocks for the files that were read — each one's page images, if any,
    then its text as data — and [{"name", "reason"}] of those that were not, in the order
    they were attached."""
    by_id = {file.id: file for file in files}
    images = images or {}
    blocks, unread = [], []
    for item in items:
        file = by_id.get(item["id"])
        pictures = images.get(file.id, []) if file is not None else []
        reason = why_unread(file, bool(pictures))
        name = file.name if file is not None else item.get("name", "")
        if reason:
            unread.append({"name": name, "reason": reason})
            continue
        text = file.text
        if len(text) > MAX_TEXT_CHARS:
            text = (text[:MAX_TEXT_CHARS] + f"\n[… the rest of this file is not shown here; "
                    f"read_document reads it page by page: document id {file.id}]")
        if pictures:
            blocks += [image_block(jpeg) for jpeg in pictures]
            text = text or "[an image: no text was found in it]"
        blocks.append(untrusted.data_block("attachment", name, text))
    if unread:
        # A file's name is not the user's words either (a forwarded file's is a stranger's).
        blocks.append(untrusted.data_block(
            "file-names", "Attached files that could not be read",
            "\n".join(entry["name"] for entry in unread)))
        blocks.append({"type": "text", "text": (
            "(The user attached the files named in the data block above, but they could not "
            "be read. Say so plainly, then answer as well as you can without them.)")})
    return blocks, unread


def as_note(item: dict) -> str:
    """A past question's attachment, as the history replays it: its name as data."""
    return untrusted.data_text("file-name", "attached file", str(item.get("name", "")))
