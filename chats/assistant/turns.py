"""Starting and stopping turns: the doors (socket, views) call these, nothing else.

A turn runs as an asyncio task in the server process that received the message; tasks
are kept here so Stop can cancel them at once. Stop from a page served by another
process sets a flag in the shared cache that the turn checks while it streams.
"""

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from .. import budget, limits, live, llm
from ..models import Chat
from . import context, persistence
from .engine import Turn, stop_key
from .reply import ERROR, Reply

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 20_000

_running: dict[str, asyncio.Task] = {}


class TurnRejected(Exception):
    """The message cannot be sent; `args[0]` says why, in the user's language."""


def _checked_turn(user, chat_id, content: str):
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
    return chat, question, answer, reply


def _prepare(user, chat_id, content: str):
    chat, question, answer, reply = _checked_turn(user, chat_id, content)
    if reply.status == ERROR:  # not configured: the answer already says so
        return chat, question, answer, reply, "", None
    # The context is built here, in the same thread hop as the checks; if that fails the
    # turn builds it again and reports the error in the chat.
    try:
        prepared = context.build(user, chat, question)
    except Exception:
        logger.exception("building the context failed")
        prepared = None
    return chat, question, answer, reply, llm.model_name(), prepared


async def start(user, chat_id, content: str) -> asyncio.Task | None:
    """Saves the message, shows it on every open page and starts the answer."""
    chat, question, answer, reply, model, prepared = await sync_to_async(_prepare)(
        user, chat_id, (content or "").strip()
    )
    task = turn = None
    if model:  # the model call starts now, while the pages are told about the message
        turn = Turn(user, chat, question, answer, reply, model, prepared)
        task = asyncio.create_task(turn.run())
        key = str(answer.pk)
        _running[key] = task
        task.add_done_callback(lambda _task: _running.pop(key, None))
    language = getattr(user, "language", None)
    try:
        for message in (question, answer):
            await live.publish(chat.pk, {"type": "message", "id": str(message.pk),
                                         "status": answer.metadata["status"],
                                         "html": live.render_message(message, language)})
    finally:
        if turn is not None:
            turn.announced.set()
    return task


def _streaming_answer_id(user, chat_id):
    chat = Chat.objects.for_user(user).filter(pk=chat_id).first()
    answer = persistence.streaming_answer(chat) if chat else None
    return answer.pk if answer else None


async def stop(user, chat_id) -> bool:
    answer_id = await sync_to_async(_streaming_answer_id)(user, chat_id)
    if answer_id is None:
        return False
    await cache.aset(stop_key(answer_id), True, timeout=600)
    task = _running.get(str(answer_id))
    if task is not None:
        task.cancel()
    return True


def running_task(answer_id) -> asyncio.Task | None:
    return _running.get(str(answer_id))
