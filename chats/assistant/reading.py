"""The files attached to a question: the turn waits for their text (bounded), then gives
it to the model as data blocks of the current user turn, each with its file's name.

A file that cannot be read in time — processing failed, it is still queued, it was
deleted, it holds no text — does not stop the answer: the model is told which one it
could not read, and the answer says so under its text (`unread`).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from .. import attachments
from . import untrusted

WAIT_SECONDS = 120.0  # at most this long for the text of the attached files
POLL_INTERVAL = 1.0
MAX_TEXT_CHARS = 40_000  # of one file's text given to the model


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


def why_unread(file) -> str:
    """Why a file's text is not given to the model; "" when it is."""
    if file is None:
        return _("It is no longer in your documents.")
    if file.state == attachments.FAILED:
        return file.error or _("Processing it failed.")
    if file.state == attachments.READING:
        return _("It was still being processed after %(seconds)s seconds; it will be in your "
                 "documents once it is done.") % {"seconds": int(WAIT_SECONDS)}
    if not file.text.strip():
        return _("No text was found in it.")
    return ""


def outcome(items: list[dict], files: list) -> tuple[list[dict], list[dict]]:
    """The turn's data blocks for the files that were read, and [{"name", "reason"}] of
    those that were not, in the order they were attached."""
    by_id = {file.id: file for file in files}
    blocks, unread = [], []
    for item in items:
        file = by_id.get(item["id"])
        reason = why_unread(file)
        name = file.name if file is not None else item.get("name", "")
        if reason:
            unread.append({"name": name, "reason": reason})
            continue
        text = file.text
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS] + "\n[… the rest of this file is not shown]"
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
