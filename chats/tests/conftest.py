"""Fixtures of the chat tests: a socket to a chat as a given user, and reading its events."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import SyncToAsync
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from chats.routing import websocket_urlpatterns


class ChatSocket:
    """A real consumer behind a WebsocketCommunicator, with the user already in the scope."""

    def __init__(self, user, chat_id):
        self.communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/chats/{chat_id}/"
        )
        self.communicator.scope["user"] = user

    async def connect(self):
        return await self.communicator.connect()

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


def _fresh_sync_executor_in_child():
    """The daphne of the `live` fixture is forked from this process. If async tests ran
    before, asgiref's one-thread executor for thread-sensitive sync_to_async exists here
    with its worker thread; the child inherits the executor but not the thread, so every
    ORM call in the child's consumers would wait forever. Give the child a fresh one.
    (Belongs next to the live server in the root conftest.py, which the lead owns.)"""
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


os.register_at_fork(after_in_child=_fresh_sync_executor_in_child)


def pytest_collection_modifyitems(config, items):
    """Browser tests run last. The session-wide Playwright (sync API) keeps an event loop
    running in the main thread once started, after which pytest-asyncio cannot run async
    tests ("Runner.run() cannot be called from a running event loop"). pytest calls this
    hook with the whole session's items, so it orders every app's tests; it belongs in the
    root conftest.py, which the lead owns."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


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
