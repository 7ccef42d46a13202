"""Sockets close when their session ends: revoked from the sessions page, signed out,
switched to another account, or the account deactivated — checked on each message and
periodically while the page only listens."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts import socket_sessions
from chats.models import Chat, Message
from chats.routing import websocket_urlpatterns as chat_routes
from notifications.routing import websocket_urlpatterns as notification_routes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_layer():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def browser(user):
    """A browser signed in as `user`, seen once by the server (the sessions page lists it)."""
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    client.force_login(user)
    assert client.get("/accounts/sessions/").status_code == 200
    return client


async def open_socket(client, user, path):
    communicator = WebsocketCommunicator(URLRouter([*chat_routes, *notification_routes]), path)
    communicator.scope["user"] = user
    communicator.scope["session"] = await sync_to_async(lambda: client.session)()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def assert_closed(communicator, timeout=3):
    """Output until the close: nothing from the socket's own work comes after it."""
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            assert output["code"] == socket_sessions.SIGNED_OUT
            return


async def test_a_chat_socket_stops_working_when_its_session_is_revoked(user):
    chat = await Chat.objects.acreate(user=user, title="Pressure")
    laptop, phone = await sync_to_async(browser)(user), await sync_to_async(browser)(user)
    socket = await open_socket(laptop, user, f"/ws/chats/{chat.pk}/")

    # From the phone: "Sign out other sessions" on the sessions page.
    response = await sync_to_async(phone.post)("/accounts/sessions/")
    assert response.status_code == 302

    await socket.send_json_to({"action": "send", "content": "save an allergy"})
    await assert_closed(socket)
    assert not await Message.objects.filter(chat=chat).aexists()
    await socket.disconnect()


async def test_a_listening_socket_is_closed_by_the_periodic_check(user, monkeypatch):
    monkeypatch.setattr(socket_sessions, "CHECK_SECONDS", 0.2)
    laptop = await sync_to_async(browser)(user)
    socket = await open_socket(laptop, user, "/ws/notifications/")
    await socket.receive_json_from(timeout=5)  # the state on connect
    assert await socket.receive_nothing(timeout=0.6)  # still valid: stays open, quiet

    await sync_to_async(laptop.post)("/accounts/logout/")
    await assert_closed(socket)
    await socket.disconnect()


async def test_switching_to_another_account_closes_the_previous_accounts_sockets(
    user, other_user
):
    chat = await Chat.objects.acreate(user=user, title="Mine")
    laptop = await sync_to_async(browser)(user)
    socket = await open_socket(laptop, user, f"/ws/chats/{chat.pk}/")
    # Switching signs the other account in on this browser: a new session, the old gone.
    await sync_to_async(laptop.force_login)(other_user)
    await socket.send_json_to({"action": "stop"})
    await assert_closed(socket)
    await socket.disconnect()


async def test_a_deactivated_account_loses_its_open_sockets(user):
    chat = await Chat.objects.acreate(user=user, title="Mine")
    laptop = await sync_to_async(browser)(user)
    socket = await open_socket(laptop, user, f"/ws/chats/{chat.pk}/")
    user.is_active = False
    await user.asave(update_fields=["is_active"])
    await socket.send_json_to({"action": "send", "content": "hello"})
    await assert_closed(socket)
    assert not await Message.objects.filter(chat=chat).aexists()
    await socket.disconnect()


async def test_a_socket_with_a_valid_session_keeps_working(user, monkeypatch):
    monkeypatch.setattr(socket_sessions, "CHECK_SECONDS", 0.1)
    laptop = await sync_to_async(browser)(user)
    socket = await open_socket(laptop, user, "/ws/notifications/")
    assert (await socket.receive_json_from(timeout=5))["unread"] == 0
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()
