"""The doors' entry points: the socket (and any other door) calls `start` and `stop`.

`start` runs the checks and saves the question and the empty answer, then hands them to
the turn (engine.py), which does the rest; `stop` finds the chat's running answer and asks
stopping.py to stop it, wherever it runs.
"""

import asyncio
import contextlib
import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

from .. import attachments, budget, limits, llm
from ..models import Chat, Message
from . import persistence, revisions, stopping
from .engine import PreparedTurn, Turn, prepare
from .reply import ERROR, STREAMING, Reply

MAX_MESSAGE_LENGTH = 20_000
COUNTER_TIMEOUT = 10.0  # the cache's own socket timeout (2 s) ends a stuck counter first
# The rate limit's counter: a cache round trip, made beside the checks' thread hop, on
# its own threads, so it never waits behind the database work of asgiref's one thread.
COUNTER: ThreadPoolExecutor


def _new_counter_threads() -> None:
    global COUNTER  # also in a forked child (the browser tests' live server)
    COUNTER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="chat-rate-limit")


_new_counter_threads()
os.register_at_fork(after_in_child=_new_counter_threads)

# The preparation of a turn (the checks, the question saved, the context assembled) runs
# on threads of its own, each with its own database connection: asgiref's one
# thread-sensitive thread made 80 messages sent together wait for each other (PostgreSQL,
# 40 answers: send → request at the model, median 717 → 298 ms, max 1.7 → 0.45 s). The
# embedded mode keeps that one thread: SQLite takes one writer at a time, and threads
# measured slower there (docs/benchmarks.md).
PREPARE_THREADS = 8
PREPARE: ThreadPoolExecutor


_prepared_on_threads = False  # set once a turn was prepared there (nothing to close before)


def _new_prepare_threads() -> None:
    global PREPARE
    PREPARE = ThreadPoolExecutor(max_workers=PREPARE_THREADS, thread_name_prefix="chat-prepare")


_new_prepare_threads()
os.register_at_fork(after_in_child=_new_prepare_threads)


def close_prepare_connections() -> None:
    """Closes the database connection of every preparation thread (tests, before the test
    database is dropped): one task per thread, held at a barrier so each thread takes one."""
    if not _prepared_on_threads:
        return
    barrier = threading.Barrier(PREPARE_THREADS)

    def close():
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)
        connection.close()

    for future in [PREPARE.submit(close) for _thread in range(PREPARE_THREADS)]:
        future.result()


class TurnRejected(Exception):
    """The message cannot be sent; `args[0]` says why, in the user's language."""


class SessionEnded(Exception):
    """The door's session has ended (`holds_session` said so): nothing was saved."""


def _checked_content(content: str, attached: bool = False) -> None:
    if not content and not attached:
        raise TurnRejected(_("Write a message first."))
    if len(content) > MAX_MESSAGE_LENGTH:
        raise TurnRejected(_("The message is too long (at most %(count)s characters).")
                           % {"count": MAX_MESSAGE_LENGTH})


def _checked_attachments(user, ids) -> list[dict]:
    """The attached files as the question keeps them: every id must be one of the user's
    own documents, or nothing is sent."""
    if ids is None:
        return []
    if not isinstance(ids, list | tuple) or not all(isinstance(v, str | int) for v in ids):
        raise TurnRejected(_("The attached files could not be read from the message."))
    ids = list(dict.fromkeys(str(value) for value in ids))
    if len(ids) > attachments.MAX_FILES:
        raise TurnRejected(_("Attach at most %(count)s files to one message.")
                           % {"count": attachments.MAX_FILES})
    files = attachments.find(user, ids)
    if len(files) != len(ids):  # another user's, deleted, or no id at all
        raise TurnRejected(_("An attached file was not found in your documents. Attach it "
                             "again."))
    return [file.as_stored() for file in files]


def _checked_turn(user, chat_id, content: str, counted: Future | None,
                  attachment_ids=None) -> PreparedTurn:
    """The checks, then the question and the empty answer, atomically: the chat row is
    locked so two tabs sending at once cannot start two answers (PostgreSQL; SQLite
    serialises writers anyway). The chat, its skill and the state of its latest answer
    come in one query; the rate limit's counter was started beside this hop (`counted`)
    and is only read before anything is saved."""
    try:
        attached = _checked_attachments(user, attachment_ids)
        _checked_content(content, attached=bool(attached))
    except TurnRejected:
        _uncount(counted)
        raise
    with transaction.atomic():
        latest = (Message.objects.filter(chat=OuterRef("pk"), role=Message.Role.ASSISTANT)
                  .order_by("-created").values(status=KT("metadata__status"))[:1])
        # The end of the active path: the new question follows it (chats/branches.py).
        leaf = (Message.objects.on_path().filter(chat=OuterRef("pk"))
                .order_by("-created").values("pk")[:1])
        chat = (Chat.objects.for_user(user).select_related("skill").select_for_update(of=("self",))
                .annotate(latest_status=Subquery(latest), leaf_id=Subquery(leaf))
                .filter(pk=chat_id).first())
        try:
            if chat is None:
                raise TurnRejected(_("This chat does not exist."))
            if chat.is_archived:
                raise TurnRejected(_("This chat is archived. Restore it to continue."))
            # Only a streaming latest answer needs a second look (is its process alive?).
            if chat.latest_status == STREAMING and persistence.expire_stale(chat) is not None:
                raise TurnRejected(_("An answer is still being written. Wait for it or stop it."))
        except TurnRejected:
            _uncount(counted)  # refused before the rate limit, as ever: it does not count
            raise
        if counted is None:  # this process's memory: no round trip to hide
            allowed, _key = limits.count_message(user)
        else:
            allowed, _key = counted.result(timeout=COUNTER_TIMEOUT)
        if not allowed:
            raise TurnRejected(
                _("You are sending messages too fast. Wait a minute and try again."))
        reply = Reply()
        if not llm.is_configured():
            reply.status, reply.error = ERROR, {"code": "not_configured"}
        elif budget.is_reached(user):  # the answer says so; nothing is sent to the model
            reply.status, reply.error = ERROR, {"code": "budget_reached"}
        question, answer = persistence.create_turn(chat, content, reply, attached,
                                                   after=chat.leaf_id)
    return PreparedTurn(user, chat, question, answer, reply)


def _uncount(counted: Future | None) -> None:
    if counted is None:  # not counted yet
        return
    with contextlib.suppress(Exception):  # a counter that failed has nothing to take back
        limits.uncount(counted.result(timeout=COUNTER_TIMEOUT)[1])


def _prepare(user, chat_id, content: str, counted: Future | None,
             holds_session: Callable[[], bool] | None, attachment_ids=None) -> PreparedTurn:
    # One thread hop for the door's session, the checks and the preparation: the model
    # call starts right after. As a request does: a connection that died (a database
    # restart) or grew too old is replaced before it is used.
    close_old_connections()
    if holds_session is not None and not holds_session():
        _uncount(counted)
        raise SessionEnded
    return prepare(_checked_turn(user, chat_id, content, counted, attachment_ids))


async def start(user, chat_id, content: str, attachments=None, *,
                holds_session: Callable[[], bool] | None = None):
    """Saves the message, shows it on every open page and starts the answer; returns the
    turn's task (None when the answer is already final, e.g. not configured).
    `attachments`: ids of the user's documents attached to the message; the turn waits
    for their text (reading.py). `holds_session`: the door's own check that its session
    still holds (the socket's), made first in the same thread hop; SessionEnded when it
    does not."""
    # A NUL cannot be stored in a PostgreSQL text column (the save raised and closed the
    # socket); no one types one, so it is dropped like other invisible noise.
    content = (content or "").replace("\x00", "").strip()
    # The rate limit's counter, when it is a round trip to the shared cache (Redis), runs
    # beside the hop that checks the chat instead of in it.
    counted = COUNTER.submit(limits.count_message, user) if limits.counter_is_remote() else None
    global _prepared_on_threads
    if settings.EMBEDDED:
        preparing = sync_to_async(_prepare)
    else:
        _prepared_on_threads = True
        preparing = sync_to_async(_prepare, thread_sensitive=False, executor=PREPARE)
    prepared = await preparing(user, chat_id, content, counted, holds_session, attachments)
    return await Turn(prepared).start()


def _prepare_revision(user, chat_id, message_id=None, content: str | None = None
                      ) -> PreparedTurn:
    try:
        if content is None:
            return prepare(revisions.revise(user, chat_id))
        _checked_content(content)
        return prepare(revisions.edit(user, chat_id, message_id, content))
    except revisions.NothingToRevise as exc:
        raise TurnRejected(exc.args[0]) from None


async def _start_detached(prepared: PreparedTurn):
    # Started from an HTTP request (views.regenerate / edit_question), the turn outlives
    # it: it must not inherit the request's context (its thread-sensitive executor ends
    # with the request), so it starts in a fresh one, as from the socket.
    return await asyncio.create_task(Turn(prepared).start(), context=contextvars.Context())


async def regenerate(user, chat_id):
    """Answers the last question again; the answer it replaces stays among its versions."""
    prepared = await sync_to_async(_prepare_revision)(user, chat_id, None)
    return await _start_detached(prepared)


async def edit(user, chat_id, message_id, content: str):
    """A new version of a question of the active path, answered; the old one and what
    followed it stay as a branch (revisions.edit). Message.DoesNotExist when `message_id`
    is not a question of this chat."""
    content = (content or "").replace("\x00", "").strip()
    prepared = await sync_to_async(_prepare_revision)(user, chat_id, message_id, content)
    return await _start_detached(prepared)


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
