"""The doors' entry points: the socket (and any other door) calls `start` and `stop`.

`start` runs the checks and saves the question and the empty answer, then hands them to
the turn (engine.py), which does the rest; `stop` finds the chat's running answer and asks
stopping.py to stop it, wherever it runs.
"""

from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils.translation import gettext as _

from .. import budget, limits, llm
from ..models import Chat
from . import persistence, stopping
from .engine import PreparedTurn, Turn, prepare
from .reply import ERROR, Reply

MAX_MESSAGE_LENGTH = 20_000


class TurnRejected(Exception):
    """The message cannot be sent; `args[0]` says why, in the user's language."""


def _checked_turn(user, chat_id, content: str) -> PreparedTurn:
    """The checks, then the question and the empty answer, atomically: the chat row is
    locked so two tabs sending at once cannot start two answers (PostgreSQL; SQLite
    serialises writers anyway)."""
    if not content:
        raise TurnRejected(_("Write a message first."))
    if len(content) > MAX_MESSAGE_LENGTH:
        raise TurnRejected(_("The message is too long (at most %(count)s characters).")
                           % {"count": MAX_MESSAGE_LENGTH})
    with transaction.atomic():
        chat = (Chat.objects.for_user(user).select_related("skill").select_for_update(of=("self",))
                .filter(pk=chat_id).first())
        if chat is None:
            raise TurnRejected(_("This chat does not exist."))
        if chat.is_archived:
            raise TurnRejected(_("This chat is archived. Restore it to continue."))
        if persistence.expire_stale(chat) is not None:
            raise TurnRejected(_("An answer is still being written. Wait for it or stop it."))
        if not limits.allow_message(user):
            raise TurnRejected(
                _("You are sending messages too fast. Wait a minute and try again."))
        reply = Reply()
        if not llm.is_configured():
            reply.status, reply.error = ERROR, {"code": "not_configured"}
        elif budget.is_reached(user):  # the answer says so; nothing is sent to the model
            reply.status, reply.error = ERROR, {"code": "budget_reached"}
        question, answer = persistence.create_turn(chat, content, reply)
    return PreparedTurn(user, chat, question, answer, reply)


def _prepare(user, chat_id, content: str) -> PreparedTurn:
    # One thread hop for the checks and the preparation: the model call starts right after.
    return prepare(_checked_turn(user, chat_id, content))


async def start(user, chat_id, content: str):
    """Saves the message, shows it on every open page and starts the answer; returns the
    turn's task (None when the answer is already final, e.g. not configured)."""
    prepared = await sync_to_async(_prepare)(user, chat_id, (content or "").strip())
    return await Turn(prepared).start()


def _streaming_answer_id(user, chat_id):
    chat = Chat.objects.for_user(user).filter(pk=chat_id).first()
    answer = persistence.streaming_answer(chat) if chat else None
    return answer.pk if answer else None


async def stop(user, chat_id) -> bool:
    answer_id = await sync_to_async(_streaming_answer_id)(user, chat_id)
    if answer_id is None:
        return False
    await stopping.request(answer_id)
    return True
