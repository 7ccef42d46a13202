"""Saving a turn as it goes: the user's message, the answer in progress, its end state.

Everything here is synchronous ORM work; the engine calls it through sync_to_async.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import Truncator

from ..markdown import render_markdown
from ..models import Chat, Message
from .reply import INTERRUPTED, STREAMING, Reply

# A streaming answer saves a heartbeat at least this often while its process is alive;
# one silent for longer belongs to a process that died, so it is shown as interrupted.
STALE_AFTER = timedelta(minutes=3)
TITLE_LENGTH = 60


@transaction.atomic
def create_turn(chat: Chat, content: str, reply: Reply,
                attachments: list[dict] | None = None, after=None) -> tuple[Message, Message]:
    """`attachments`: the files attached to the question ([{"id", "name"}]). The question
    follows `after`, the end of the active path, when the caller read it already (else
    Message.objects.bulk_create looks it up)."""
    question = Message(chat=chat, role=Message.Role.USER, content=content, parent_id=after,
                       metadata={"attachments": attachments} if attachments else {})
    answer = Message(chat=chat, role=Message.Role.ASSISTANT, content=reply.content,
                     metadata=reply.metadata(), parent=question)
    Message.objects.bulk_create([question, answer])  # one INSERT; `created` in this order
    Chat.objects.filter(pk=chat.pk).update(updated=timezone.now())
    return question, answer


def save_reply(message_id, reply: Reply) -> None:
    save_answer(message_id, *reply.snapshot())


def save_answer(message_id, content: str, metadata: dict) -> None:
    Message.objects.filter(pk=message_id).update(content=content, metadata=metadata)


def streaming_answer(chat: Chat) -> Message | None:
    """The answer being written, if any. Turns never overlap in a chat, so only the latest
    answer can be streaming; reading just it keeps this one indexed row however long the
    chat is (a JSON lookup over all rows is not indexed)."""
    latest = (
        Message.objects.filter(chat=chat, role=Message.Role.ASSISTANT)
        .order_by("-created").first()
    )
    if latest is not None and (latest.metadata or {}).get("status") == STREAMING:
        return latest
    return None


def expire_stale(chat: Chat) -> Message | None:
    """The answer being written, if its process is alive. One whose process died (no
    heartbeat for STALE_AFTER) is marked interrupted, keeping its text."""
    answer = streaming_answer(chat)
    if answer is None:
        return None
    heartbeat = parse_datetime((answer.metadata or {}).get("heartbeat") or "")
    if heartbeat is None or timezone.now() - heartbeat > STALE_AFTER:
        parts = [{**part, "html": render_markdown(part.get("text") or "")}
                 if part.get("type") == "text" and "html" not in part else part
                 for part in answer.metadata.get("parts") or []]
        answer.metadata = {**answer.metadata, "status": INTERRUPTED, "parts": parts,
                           "error": {"code": "interrupted"}}
        answer.save(update_fields=["metadata"])
        return None
    return answer


def title_from(text: str) -> str:
    first_line = " ".join(text.split())
    return Truncator(first_line).chars(TITLE_LENGTH) if first_line else ""


def auto_title(chat_id, question: str) -> str:
    """After the first exchange, a chat without a title is named after its first message."""
    title = title_from(question)
    if title and Chat.objects.filter(pk=chat_id, title="").update(title=title):
        return title
    return ""

