"""Fixtures of the chat tests: a socket to a chat as a given user, and reading its events."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from chats.assistant import engine
from chats.routing import websocket_urlpatterns
from tests.sessions import signed_in_session


class ChatSocket:
    """A real consumer behind a WebsocketCommunicator, with the user and a signed-in
    session of theirs in the scope."""

    def __init__(self, user, chat_id):
        self.user = user
        self.communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/chats/{chat_id}/"
        )
        self.communicator.scope["user"] = user

    async def connect(self, timeout=5):
        # The communicator's default second is too short on a loaded machine (PostgreSQL,
        # Redis and other suites sharing two cores): a slow accept is not a refusal.
        if getattr(self.user, "is_authenticated", False):
            self.session = await sync_to_async(signed_in_session)(self.user)
            self.communicator.scope["session"] = self.session
        return await self.communicator.connect(timeout=timeout)

    async def send(self, **data):
        await self.communicator.send_json_to(data)

    async def receive(self, timeout=5):
        return await self.communicator.receive_json_from(timeout=timeout)

    async def until_finished(self, timeout=10) -> list[dict]:
        """Events up to the answer's final state (anything but streaming)."""
        events = []
        async with asyncio.timeout(timeout):
            while True:
                event = await self.receive(timeout=timeout)
                events.append(event)
                if event["type"] == "error":
                    return events
                if (event["type"] == "message" and event["status"] != "streaming"
                        and 'data-role="assistant"' in event["html"]):
                    return events

    async def close(self):
        await self.communicator.disconnect()


@pytest.fixture
def chat_socket():
    # A channel layer keeps asyncio locks and connections bound to the event loop that
    # first used them, and every async test has its own loop: each test gets a fresh one.
    channel_layers.backends.clear()
    sockets = []

    def open_socket(user, chat_id):
        socket = ChatSocket(user, chat_id)
        sockets.append(socket)
        return socket

    yield open_socket
    channel_layers.backends.clear()
    # Answers are saved on their own thread: its connection must not outlive the test
    # database (PostgreSQL refuses to drop a database in use).
    engine.close_saves_connection()
