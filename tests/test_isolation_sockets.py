"""Both WebSockets, as a stranger and as nobody: /ws/chats/<id>/ refuses anyone but the
chat's owner, and /ws/notifications/ only ever carries the connected user's notifications.

The consumers are real, behind the project's own routing (config.asgi's URL routers); the
user is put into the scope as the session middleware would."""

import contextlib
import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.utils import timezone

from chats.routing import websocket_urlpatterns as chat_routes
from notifications import delivery
from notifications.models import Notification
from notifications.routing import websocket_urlpatterns as notification_routes

from .ownership_registry import MARKER, ROUTE_FACTORIES
from .sessions import signed_in_session

pytestmark = pytest.mark.django_db(transaction=True)

ROUTER = URLRouter(chat_routes + notification_routes)


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    # A layer binds its locks and connections to the first event loop that used it.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def _open(user, path):
    communicator = WebsocketCommunicator(ROUTER, path)
    communicator.scope["user"] = user
    if getattr(user, "is_authenticated", False):  # sockets check their session while open
        communicator.scope["session"] = await sync_to_async(signed_in_session)(user)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def _close(communicator):
    await communicator.disconnect()
    layer = get_channel_layer()
    if hasattr(layer, "close_pools"):
        await layer.close_pools()
    # The consumer's queries ran in asgiref's sync thread: close its connection too, or
    # PostgreSQL refuses to drop the test database at the end.
    await database_sync_to_async(connections.close_all)()


async def test_chat_socket_refuses_a_stranger_nobody_and_a_made_up_id(make_user):
    owner = await sync_to_async(make_user)("owner@example.com")
    stranger = await sync_to_async(make_user)("stranger@example.com")
    chat = await sync_to_async(ROUTE_FACTORIES["chats.views"])(owner)
    for user, chat_id in ((stranger, chat.pk), (AnonymousUser(), chat.pk),
                          (stranger, uuid.uuid4())):
        communicator, connected, code = await _open(user, f"/ws/chats/{chat_id}/")
        assert not connected and code == 4404, (user, chat_id, connected, code)
        await _close(communicator)
    # The owner is let in and gets the chat's own events — the control.
    communicator, connected, _ = await _open(owner, f"/ws/chats/{chat.pk}/")
    assert connected
    await _close(communicator)


async def test_a_strangers_own_chat_socket_cannot_reach_the_owners_chat(make_user):
    """Connected to their own chat, a stranger's messages naming the owner's chat id go
    nowhere near it: the socket is bound to the chat it was opened for."""
    from chats.models import Message

    owner = await sync_to_async(make_user)("owner@example.com")
    stranger = await sync_to_async(make_user)("stranger@example.com")
    chat = await sync_to_async(ROUTE_FACTORIES["chats.views"])(owner)
    own = await sync_to_async(ROUTE_FACTORIES["chats.views"])(stranger)
    before = await Message.objects.filter(chat=chat).acount()
    communicator, connected, _ = await _open(stranger, f"/ws/chats/{own.pk}/")
    assert connected
    await communicator.send_json_to({"action": "stop", "chat": str(chat.pk), "pk": str(chat.pk)})
    await communicator.send_json_to({"action": "bogus", "chat_id": str(chat.pk)})
    await communicator.send_json_to([str(chat.pk)])
    while not await communicator.receive_nothing(timeout=0.5):
        event = await communicator.receive_json_from(timeout=1)
        assert MARKER not in json.dumps(event)
    await _close(communicator)
    assert await Message.objects.filter(chat=chat).acount() == before


async def test_notification_socket_carries_only_the_connected_users_notifications(make_user):
    owner = await sync_to_async(make_user)("owner@example.com")
    stranger = await sync_to_async(make_user)("stranger@example.com")
    await Notification.objects.acreate(user=owner, title=f"{MARKER} sent",
                                       status="sent", sent_at=timezone.now())
    communicator, connected, _ = await _open(stranger, "/ws/notifications/")
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["unread"] == 0 and MARKER not in json.dumps(first)
    # A delivery to the owner while the stranger listens.
    await Notification.objects.acreate(user=owner, title=f"{MARKER} due")
    await sync_to_async(delivery.deliver_due)()
    while not await communicator.receive_nothing(timeout=2.5):
        event = await communicator.receive_json_from(timeout=1)
        assert MARKER not in json.dumps(event), "the owner's notification reached a stranger"
    # The stranger's own delivery arrives, and still nothing of the owner's with it.
    await Notification.objects.acreate(user=stranger, title="Stranger's own")
    await sync_to_async(delivery.deliver_due)()
    event = await communicator.receive_json_from(timeout=5)
    assert [n["title"] for n in event["notifications"]] == ["Stranger's own"]
    assert MARKER not in json.dumps(event)
    await _close(communicator)

    anonymous, connected, code = await _open(AnonymousUser(), "/ws/notifications/")
    assert not connected and code == 4401
    await _close(anonymous)


@pytest.mark.parametrize("message", [
    {"action": "send", "content": "before\x00after"},
    {"action": "send", "content": "\x00"},
    {"action": "send", "content": "x" * 200_000},
    {"action": "send", "content": ["not", "text"]},
    {"action": "send", "content": {"nested": "\x00"}},
    {"action": "send"},
    {"action": ["send"]},
    "just a string",
    12,
])
async def test_hostile_chat_messages_never_break_the_socket(message, make_user):
    """What a tampered page can send over its own chat socket: each one is refused with a
    message or sent as text, and the socket stays open for the next one."""
    from chats.models import Message

    owner = await sync_to_async(make_user)("owner@example.com")
    chat = await sync_to_async(ROUTE_FACTORIES["chats.views"])(owner)
    communicator, connected, _ = await _open(owner, f"/ws/chats/{chat.pk}/")
    assert connected
    await communicator.receive_nothing(timeout=0.5)
    await communicator.send_json_to(message)
    while not await communicator.receive_nothing(timeout=1):
        event = await communicator.receive_output(timeout=1)
        assert event["type"] != "websocket.close", f"{message!r} closed the socket: {event}"
    async for stored in Message.objects.filter(chat=chat):
        assert "\x00" not in stored.content
    # Still answering: a plain message after the hostile one is taken. (Under load a late
    # event of the first turn may still come first: read on until the question is stored.)
    await communicator.send_json_to({"action": "send", "content": "Hello"})
    taken = Message.objects.filter(chat=chat, role=Message.Role.USER, content="Hello")
    for _ in range(50):
        if await taken.aexists():
            break
        with contextlib.suppress(TimeoutError):
            await communicator.receive_output(timeout=0.2)
    assert await taken.aexists(), "the socket stopped taking questions"
    await _close(communicator)
