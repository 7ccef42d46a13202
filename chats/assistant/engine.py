"""One assistant turn, whole: prepared once, announced, streamed, its tools run, saved.

`prepare` gathers what the turn needs in the caller's thread hop (right after the checks
in turns.py): the model's name and the context. `Turn.start` then starts the model call
as its own asyncio task (see stopping.py), so it goes on when the page that asked closes,
and announces the question and the empty answer to the chat's group; no update of the
answer is published before that. Whatever happens — stop, an API error, a lost
connection — what arrived is saved with the reason.

The event path (a streamed text event) only appends the text to the reply and marks it
dirty: constant work, whatever the answer's length, and it never waits. A publisher task
per turn sends the new text to the pages as a delta (`{"type": "delta", "part", "offset",
"text"}`), at most every SOCKET_INTERVAL, coalescing the events between; the whole
message, rendered, goes out only at block boundaries (a tool call) and at the end. The
answer is saved every SAVE_INTERVAL in the background, on the SAVES threads — never on
asgiref's one thread for thread-sensitive work, where every turn's saves used to queue
behind each other and behind every other database call of the process — and the same hop
reads the Stop flag set by another process.
"""

import asyncio
import contextlib
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import anthropic
from asgiref.sync import sync_to_async
from django import db
from django.utils import translation

from accounts.locale import user_language

from .. import actions, live, llm, model_support, sources, tool_registry
from ..models import Chat, Message
from . import context, persistence, reading, stopping, stream, untrusted
from .context import TurnContext
from .errors import classify
from .reply import DONE, ERROR, STOPPED, TOOLS_UNAVAILABLE, Reply

logger = logging.getLogger(__name__)

MAX_ROUNDS = 8  # model calls per turn; each tool round is one
MAX_TOKENS = 4096
SOCKET_INTERVAL = 0.04  # at most this long between two deltas of one answer
SAVE_INTERVAL = 0.5
# Saving answers in progress: off the event loop, and not on asgiref's one thread for
# thread-sensitive work (the checks, the context, the tools run there). One thread: an
# UPDATE takes a millisecond or two, so it carries hundreds of saves a second. Its
# database connection stays open, as asgiref's thread's does (closing it when idle cost
# a reconnection per save on PostgreSQL and put the streams seconds behind).
SAVES: ThreadPoolExecutor


def _new_saves_thread() -> None:
    # Also in a forked child (the browser tests' live server): the parent's thread is not
    # there, and an executor that believes it has one would never run a save.
    global SAVES
    SAVES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-saves")


_new_saves_thread()
os.register_at_fork(after_in_child=_new_saves_thread)


def close_saves_connection() -> None:
    """Closes the saves thread's database connection (tests, before the test database
    is dropped)."""
    SAVES.submit(_close_connection).result()


def _close_connection() -> None:
    db.connection.close()  # the connection of the thread this runs on


async def _saved(save, *args):
    return await sync_to_async(save, thread_sensitive=False, executor=SAVES)(*args)
HEARTBEAT_INTERVAL = 30.0  # a turn waiting on the model or a tool still says it is alive
NO_TOOLS = ("No tools are available with this model in this conversation: answer from what "
            "is given here, and do not say that you saved, searched or scheduled anything.")


@dataclass
class PreparedTurn:
    """What a turn needs before the model call. Without a context the answer is already
    final (the assistant is not configured, or the context could not be built): the
    reply says why, and the turn only announces it."""

    user: object
    chat: Chat
    question: Message
    answer: Message
    reply: Reply
    model: str = ""
    context: TurnContext | None = None
    tools_refused: bool = False  # this model is known to refuse tools (model_support)
    images_refused: bool = False  # … or images: attached photos go as their text only
    # An edited question (revisions.edit): the message its branch follows ("" for the
    # chat's start). The pages drop what they show after it before showing the question.
    forked_from: object = None


def prepare(turn: PreparedTurn) -> PreparedTurn:
    """Completes a turn whose question and answer are saved: the model's name and the
    context. Synchronous, called in the same thread hop as the checks, so the model call
    can start as soon as the turn is back on the event loop. A context that cannot be
    built ends the turn here, with the reason on the answer."""
    if turn.reply.status == ERROR:  # not configured: the answer already says so
        return turn
    try:
        turn.context = context.build(turn.user, turn.chat, turn.question)
    except Exception:
        logger.exception("building the context failed")
        turn.reply.status, turn.reply.error = ERROR, {"code": "context_failed"}
        persistence.save_reply(turn.answer.pk, turn.reply)
        turn.answer.content, turn.answer.metadata = turn.reply.content, turn.reply.metadata()
        return turn
    turn.reply.add_sources(turn.context.sources)
    turn.model = llm.model_name()
    # Read here, in the same hop, rather than on the way to the model call (another hop).
    turn.tools_refused = model_support.lacks(turn.model, model_support.TOOLS)
    turn.images_refused = model_support.lacks(turn.model, model_support.IMAGES)
    return turn


def _block_param(block) -> dict:
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if block.type == "text":
        return {"type": "text", "text": block.text}
    return block.model_dump(mode="json", exclude_none=True)


def _has_images(messages: list[dict]) -> bool:
    return any(isinstance(message["content"], list)
               and any(block.get("type") == "image" for block in message["content"])
               for message in messages)


def _drop_images(messages: list[dict]) -> None:
    for message in messages:
        if isinstance(message["content"], list):
            message["content"] = [block for block in message["content"]
                                  if block.get("type") != "image"]


def _save_progress(answer_id, content: str, metadata: dict) -> bool:
    """Saves an answer in progress; says whether Stop was pressed in another process."""
    persistence.save_answer(answer_id, content, metadata)
    return stopping.requested_now(answer_id)


def run_tool(user, chat, name: str, data: dict, held: bool = False) -> tool_registry.ToolResult:
    """Runs one tool call as the chat's owner. `held`: the request that asked for it held
    data blocks (untrusted.held), so every write it makes waits for the user's Confirm."""
    tool = tool_registry.get(name)
    if tool is None:
        return tool_registry.ToolResult(content=f"Unknown tool: {name}", is_error=True)
    try:
        # Summaries and card labels are written now, in the user's language.
        with user_language(user), actions.confirm_first(held):
            result = tool.run(tool_registry.ToolContext(user=user, chat=chat, untrusted=held),
                              data or {})
        # Only the owner's documents, whatever the tool named.
        result.sources = sources.owned(user, result.sources) if result.sources else []
        return result
    except Exception:
        logger.exception("tool %s failed", name)
        return tool_registry.ToolResult(content=f"The tool {name} failed.", is_error=True)


class Turn:
    def __init__(self, prepared: PreparedTurn):
        self.prepared = prepared
        self.user, self.chat = prepared.user, prepared.chat
        self.question, self.answer, self.reply = prepared.question, prepared.answer, prepared.reply
        self.language = self.user.language_code
        self._saved = 0.0
        self._dirty = asyncio.Event()  # text not yet sent to the pages
        self._publish_lock = asyncio.Lock()  # deltas and whole messages, in order
        self._save_lock = asyncio.Lock()  # one save of this answer at a time, in order
        self._stop_requested = False  # seen by a save: Stop pressed in another process
        self._background: set[asyncio.Task] = set()
        self._publisher: asyncio.Task | None = None
        # Set once the question and the empty answer are on the pages: the model call
        # starts before that, but no update of the answer may overtake them.
        self.announced = asyncio.Event()

    async def start(self) -> asyncio.Task | None:
        """Starts the answer (unless it is already final) and shows the question and the
        answer on every open page of the chat. Returns the running turn's task."""
        task = None
        if self.prepared.context is not None:  # the model call starts while pages are told
            task = stopping.start(self.answer.pk, self.run())
            # The model call runs first, up to its first wait (building and sending the
            # request); rendering the question and the answer for the pages comes after.
            await asyncio.sleep(0)
        try:
            for message in (self.question, self.answer):
                payload = {"type": "message", "id": str(message.pk),
                           "status": self.answer.metadata["status"],
                           "html": live.render_message(message, self.language)}
                if message is self.question and self.prepared.forked_from is not None:
                    payload["after"] = str(self.prepared.forked_from)
                await live.publish(self.chat.pk, payload)
        finally:
            self.announced.set()
        return task

    async def run(self) -> Reply:
        cancelled = None
        self._publisher = asyncio.create_task(self._publish_deltas())
        try:
            # Watched while it talks to the model and runs tools, not while it finishes: a
            # second cancel from the watcher must not cut the final save and publish.
            async with stopping.watched(self.answer.pk, self._heartbeat):
                with translation.override(self.language):
                    await self._read_attachments()
                    await self._converse()
            self.reply.status = DONE if self.reply.status != ERROR else ERROR
        except (asyncio.CancelledError, stopping.StopRequested) as exc:
            self.reply.status = STOPPED
            if isinstance(exc, asyncio.CancelledError):
                cancelled = exc
        except Exception as exc:  # any API or network failure ends the turn, keeping the text
            code = classify(exc)
            logger.warning("assistant turn failed (%s): %r", code, exc)
            self.reply.status, self.reply.error = ERROR, {"code": code}
        await self._finish()
        if cancelled is not None:
            raise cancelled
        return self.reply

    async def _heartbeat(self) -> None:
        """A turn waiting on the model or a tool keeps its answer from looking dead."""
        if time.monotonic() - self._saved >= HEARTBEAT_INTERVAL:
            await self._save()

    async def _read_attachments(self) -> None:
        """Waits for the text of the files attached to the question ("Reading x.pdf…" on
        the page meanwhile) and puts it first in the current user turn, as data."""
        items = reading.stored(self.question)
        if not items:
            return

        async def progress(names: list[str]) -> None:
            self.reply.reading = names
            await self._publish()

        files = await reading.wait_for_text(self.user, items, progress)
        images = ({} if self.prepared.images_refused
                  else await sync_to_async(reading.images_for)(self.user, files))
        blocks, unread = reading.outcome(items, files, images)
        unread_names = {entry["name"] for entry in unread}
        # The attached files that were read are the user's own (attachments.find).
        self.reply.add_sources([sources.Source(file.id, file.name) for file in files
                                if file.name not in unread_names])
        shown = bool(self.reply.reading)
        self.reply.reading, self.reply.unread = [], unread
        if shown or unread:
            await self._publish()
        current = self.prepared.context.messages[-1]
        current["content"] = [*blocks, *current["content"]]

    async def _converse(self) -> None:
        ctx = self.prepared.context
        messages = ctx.messages
        tools = self._tools()
        client = llm.shared_async_client()
        held, called = False, []
        for round_number in range(1, MAX_ROUNDS + 1):
            self.reply.rounds = round_number
            final, tools = await self._stream_accepted(client, ctx.system, messages, tools)
            self.reply.add_usage(final.usage)
            self.reply.model, self.reply.stop_reason = final.model, final.stop_reason or ""
            await sync_to_async(llm.record_usage)(self.user, "chat", final.model, final.usage)
            calls = [block for block in final.content if block.type == "tool_use"]
            if final.stop_reason != "tool_use" or not calls:
                return
            # What the model chose the calls from: the context before any tool ran (the
            # data blocks of the system and the user turn, attachments included), and the
            # results of tools that read outside text (write tools only echo their input).
            if round_number == 1:
                held = untrusted.held(ctx.system, messages)
            held = held or any(tool_registry.reads_data(call.name) for call in called)
            called = calls
            messages.append({"role": "assistant",
                             "content": [_block_param(block) for block in final.content]})
            messages.append({"role": "user",
                             "content": [await self._call(b, held) for b in calls]})
        self.reply.status, self.reply.error = ERROR, {"code": "too_many_rounds"}

    async def _stream_accepted(self, client, system, messages, tools):
        """One model call; a local server whose model takes no tools or no images is asked
        once more without them (remembered for the model). Returns the final message and
        the tools still offered."""
        for _attempt in range(2):
            try:
                return await self._stream(client, system, messages, tools), tools
            except anthropic.APIStatusError as error:
                if tools and model_support.refuses_tools(error):
                    await model_support.aremember_lacks(self.prepared.model, model_support.TOOLS)
                    tools = []
                    self.reply.add_note(TOOLS_UNAVAILABLE)
                elif _has_images(messages) and model_support.refuses_images(error):
                    # The photos' text is in the turn already: it goes on without them.
                    await model_support.aremember_lacks(self.prepared.model,
                                                        model_support.IMAGES)
                    _drop_images(messages)
                else:
                    raise
        return await self._stream(client, system, messages, tools), tools

    def _tools(self) -> list[dict]:
        """The tools' definitions, unless this model is known to refuse tools."""
        if self.prepared.tools_refused:
            self.reply.add_note(TOOLS_UNAVAILABLE)
            return []
        return [tool.definition() for tool in tool_registry.all_tools()]

    async def _stream(self, client, system, messages, tools):
        options = {"model": self.prepared.model, "max_tokens": MAX_TOKENS, "messages": messages}
        if not tools:  # the guidance names tools: the model must not promise to use them
            system = [*(system or []), {"type": "text", "text": NO_TOOLS}]
        if system:
            options["system"] = system
        if tools:
            options["tools"] = tools
        return await stream.read(client, self._on_text, **options)

    def _on_text(self, text: str) -> None:
        self.reply.add_text(text)
        self._tick()

    async def _call(self, block, held: bool) -> dict:
        part = self.reply.add_tool_call(block.id, block.name, block.input)
        await self._publish()
        result = await sync_to_async(run_tool)(self.user, self.chat, block.name, block.input,
                                               held)
        part.update(status="error" if result.is_error else "done", summary=result.summary,
                    data=result.data, result=result.content[:4000], is_error=result.is_error)
        self.reply.add_sources(result.sources)
        await self._save()
        await self._publish()
        content = untrusted.data_text(f"tool:{block.name}", f"Result of {block.name}",
                                      result.content)
        return {"type": "tool_result", "tool_use_id": block.id, "content": content,
                "is_error": result.is_error}

    def _tick(self) -> None:
        """After each text event: constant work, never waits."""
        self._dirty.set()
        if self._stop_requested:
            raise stopping.StopRequested
        now = time.monotonic()
        if now - self._saved >= SAVE_INTERVAL and not self._save_lock.locked():
            self._saved = now
            task = asyncio.create_task(self._save_in_background())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _save_in_background(self) -> None:
        try:
            await self._save(check_stop=True)
        except Exception:  # the next save (at the latest the final one) tries again
            logger.exception("saving the answer in progress failed")

    async def _publish_deltas(self) -> None:
        """The turn's publisher: new text goes to the pages as deltas, coalesced."""
        await self.announced.wait()
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            async with self._publish_lock:
                delta = self.reply.take_delta()
                if delta is not None:
                    await live.publish(self.chat.pk, {
                        "type": "delta", "id": str(self.answer.pk), "part": delta.part,
                        "offset": delta.offset, "text": delta.text})
            await asyncio.sleep(SOCKET_INTERVAL)

    def _as_message(self) -> Message:
        return Message(pk=self.answer.pk, chat_id=self.chat.pk, role=Message.Role.ASSISTANT,
                       content=self.reply.content, metadata=self.reply.metadata(),
                       created=self.answer.created)

    async def _publish(self, **extra) -> None:
        """The whole message, rendered: it holds every delta not yet sent."""
        async with self._publish_lock:
            await self.announced.wait()
            self.reply.take_delta()
            html = live.render_message(self._as_message(), self.language)
            await live.publish(self.chat.pk, {"type": "message", "id": str(self.answer.pk),
                                              "status": self.reply.status, "html": html,
                                              **extra})

    async def _save(self, check_stop: bool = False) -> None:
        async with self._save_lock:  # a save never overtakes an older one of this answer
            self._saved = time.monotonic()
            content, metadata = self.reply.snapshot()
            save = _save_progress if check_stop else persistence.save_answer
            stop = await _saved(save, self.answer.pk, content, metadata)
        if check_stop and stop:
            self._stop_requested = True

    async def _finish(self) -> None:
        if self._publisher is not None:
            self._publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._publisher
        await self._save()
        extra = {}
        if self.reply.status == DONE:
            named = self.question.content or ", ".join(
                item.get("name", "") for item in reading.stored(self.question))
            title = await sync_to_async(persistence.auto_title)(self.chat.pk, named)
            if title:
                extra["title"] = title
        await self._publish(**extra)
        await stopping.clear(self.answer.pk)
