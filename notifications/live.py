"""Live bell updates: what an open page is told, and how it is told.

With Redis the worker's `announce` reaches every web process through the channel layer.
In the embedded mode the layer lives inside one process, so the socket consumer also
polls the database (see consumers.py) and the worker's deliveries still show up live.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .models import Notification

RECENT = 10


def group_name(user_id) -> str:
    return f"notifications.{user_id}"


def announce(user_id) -> None:
    """Tells the user's open pages that their notifications changed."""
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
