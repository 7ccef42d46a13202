"""Stop: how a running answer is reached, from this server process or any other.

A turn runs as an asyncio task in the process that received the message; that process
keeps the task here, so Stop pressed on a page it serves cancels it at once. A page
served by another process has no task to cancel: it sets a flag in the shared cache,
which the turn reads while it streams (`requested`) and a watcher polls every
WATCH_INTERVAL while the turn waits (for the first token, for a slow tool).
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager

from django.core.cache import cache

WATCH_INTERVAL = 1.0  # how often a waiting turn looks for Stop from another process
FLAG_TIMEOUT = 600  # a flag nobody cleared (its process died) goes away by itself

_running: dict[str, asyncio.Task] = {}


class StopRequested(Exception):
    """Stop was pressed (in any tab, on any server process)."""


def key(answer_id) -> str:
    return f"chat-stop:{answer_id}"


def start(answer_id, turn: Coroutine) -> asyncio.Task:
    """Runs a turn as a task of this process that Stop can cancel until it ends."""
    task = asyncio.create_task(turn)
    name = str(answer_id)
    _running[name] = task
    task.add_done_callback(lambda _task: _running.pop(name, None))
    return task


def running(answer_id) -> asyncio.Task | None:
    """The task writing this answer, if it runs in this process."""
    return _running.get(str(answer_id))


def running_tasks() -> list[asyncio.Task]:
    return list(_running.values())


async def request(answer_id) -> None:
    """Stop the answer: at once if this process runs it, else within WATCH_INTERVAL."""
    await cache.aset(key(answer_id), True, timeout=FLAG_TIMEOUT)
    task = running(answer_id)
    if task is not None:
        task.cancel()


async def requested(answer_id) -> bool:
    return bool(await cache.aget(key(answer_id)))


def requested_now(answer_id) -> bool:
    """`requested`, for a thread that is not the event loop (the turn's saves look there)."""
    return bool(cache.get(key(answer_id)))


async def clear(answer_id) -> None:
    await cache.adelete(key(answer_id))


@asynccontextmanager
async def watched(answer_id, while_waiting: Callable[[], Awaitable[None]]):
    """While the body runs, Stop from another process cancels the current task; at every
    look `while_waiting` runs too (the turn saves its heartbeat there)."""
    watcher = asyncio.create_task(_watch(answer_id, asyncio.current_task(), while_waiting))
    try:
        yield
    finally:
        watcher.cancel()


async def _watch(answer_id, task: asyncio.Task, while_waiting) -> None:
    while True:
        await asyncio.sleep(WATCH_INTERVAL)
        if await requested(answer_id):
            task.cancel()
            return
        await while_waiting()
