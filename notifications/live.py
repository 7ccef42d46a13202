"""Live bell updates: what an open page is told, and how it is told.

With Redis the worker's `announce` reaches every web process through the channel layer.
In the embedded mode the layer lives inside one process, so the socket consumer also
polls the database (see consumers.py) and the worker's deliveries still show up live.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
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
    send = async_to_sync(layer.group_send)
    message = (group_name(user_id), {"type": "notifications.changed"})
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send(*message)
        return
    # Called from a thread that runs an event loop: async_to_sync cannot work here.
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(send, *message).result()


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
