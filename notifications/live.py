"""Live bell updates: what an open page is told, and how it is told.

With Redis the worker's `announce` reaches every web process through the channel layer.
In the embedded mode the layer lives inside one process, so the socket consumer also
polls the database (see consumers.py) and the worker's deliveries still show up live.
"""

import asyncio
import logging
import os
import threading

from channels.layers import get_channel_layer

from .models import Notification

RECENT = 10
log = logging.getLogger(__name__)


def group_name(user_id) -> str:
    return f"notifications.{user_id}"


def announce(user_id) -> None:
    """Tells the user's open pages that their notifications changed. Best effort: with
    Redis down the change is stored all the same and open pages say live updates paused."""
    try:
        _announce(user_id)
    except Exception as error:  # the channel layer (Redis) is unreachable
        log.warning("Live update for user %s not sent: %s: %s", user_id,
                    type(error).__name__, error)


def _announce(user_id) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "notifications.changed"}
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group_name(user_id), message),
                                              _sender_loop())
    try:
        future.result(timeout=SEND_TIMEOUT)
    except TimeoutError:
        future.cancel()  # Redis hanging: the send must not linger in the loop
        raise


SEND_TIMEOUT = 5
_sender: tuple[int, asyncio.AbstractEventLoop] | None = None
_sender_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, on its own thread, for the announces of sync code: the
    channel layer keeps its Redis connection per loop, so a loop made for each announce
    (async_to_sync's way) opened and closed a connection every time — ~19 ms of a
    reminder's ~45 ms in a delivery pass. Made again in a forked child (pid changes)."""
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="announce-loop",
                             daemon=True).start()
            _sender = (os.getpid(), loop)
        return _sender[1]


async def layer_reachable() -> bool:
    """False when the channel layer is Redis and Redis does not answer within a second."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return True
    import redis.asyncio

    client = redis.asyncio.from_url(settings.REDIS_URL, socket_connect_timeout=1,
                                    socket_timeout=1)
    try:
        return bool(await client.ping())
    except (OSError, redis.exceptions.RedisError):
        return False
    finally:
        await client.aclose()


def snapshot(user) -> dict:
    """The unread count and the newest unread notifications, as sent over the socket."""
    unread = Notification.objects.unread_for(user)
    recent = list(unread.order_by("-sent_at", "-created")[:RECENT])
    return {
        "unread": unread.count(),
        "notifications": [
            {"id": str(n.pk), "title": n.title, "body": n.body, "type": n.type}
            for n in recent
        ],
    }
