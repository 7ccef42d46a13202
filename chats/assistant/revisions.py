"""Regenerating the last answer and editing the last question.

The messages keep their rows (and their place in the chat): the replaced text moves into
the row's `metadata["versions"]`, oldest first, and the row holds the current version.
So the history the model reads (context.py reads `content`) has only the current
versions, and the page can still show the earlier ones.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import budget, limits, llm
from ..models import Chat, Message
from . import persistence
from .engine import PreparedTurn
from .reply import ERROR, Reply

MAX_VERSIONS = 20


class NothingToRevise(Exception):
    """There is no finished exchange to regenerate or edit; `args[0]` says so."""


def snapshot(message: Message) -> dict:
    """A replaced version of a message, as kept in its `versions`."""
    metadata = {k: v for k, v in (message.metadata or {}).items()
                if k not in ("versions", "heartbeat")}
    return {"content": message.content, "metadata": metadata,
            "replaced": timezone.now().isoformat()}


def _with_version(message: Message) -> list[dict]:
    versions = list((message.metadata or {}).get("versions") or [])
    return [*versions, snapshot(message)][-MAX_VERSIONS:]


def last_exchange(chat: Chat) -> tuple[Message, Message] | None:
    """The chat's latest answer and the question it answers."""
    answer = (Message.objects.filter(chat=chat, role=Message.Role.ASSISTANT)
              .order_by("-created").first())
    if answer is None:
        return None
    question = (Message.objects.filter(chat=chat, role=Message.Role.USER,
                                       created__lte=answer.created)
                .exclude(pk=answer.pk).order_by("-created").first())
    return (question, answer) if question is not None else None


def revise(user, chat_id, new_question: str | None = None) -> PreparedTurn:
    """Saves the current answer (and, with `new_question`, the current question) as earlier
    versions and empties the answer for a new turn, after the same checks as a new message
    (a failed one raises NothingToRevise, saying why in the user's language)."""
    with transaction.atomic():
        chat = (Chat.objects.for_user(user).select_related("skill")
                .select_for_update(of=("self",)).filter(pk=chat_id).first())
        if chat is None:
            raise NothingToRevise(_("This chat does not exist."))
        if chat.is_archived:
            raise NothingToRevise(_("This chat is archived. Restore it to continue."))
        if persistence.expire_stale(chat) is not None:
            raise NothingToRevise(_("An answer is still being written. Wait for it or stop it."))
        exchange = last_exchange(chat)
        if exchange is None:
            raise NothingToRevise(_("There is no answer to regenerate yet."))
        if not limits.allow_message(user):
            raise NothingToRevise(
                _("You are sending messages too fast. Wait a minute and try again."))
        question, answer = exchange
        if new_question is not None:
            question.metadata = {**(question.metadata or {}),
                                 "versions": _with_version(question)}
            question.content = new_question
            question.save(update_fields=["content", "metadata"])
        reply = Reply(versions=_with_version(answer))
        if not llm.is_configured():
            reply.status, reply.error = ERROR, {"code": "not_configured"}
        elif budget.is_reached(user):
            reply.status, reply.error = ERROR, {"code": "budget_reached"}
        answer.content, answer.metadata = reply.content, reply.metadata()
        answer.save(update_fields=["content", "metadata"])
        Chat.objects.filter(pk=chat.pk).update(updated=timezone.now())
    return PreparedTurn(user, chat, question, answer, reply)
