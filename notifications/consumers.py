"""`/ws/notifications/`: the bell's live feed. Unread ones on connect, then every change."""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer

from accounts.socket_sessions import SessionBoundConsumer

from . import live

# Embedded mode: the worker is another process, out of reach of the in-memory layer.
POLL_SECONDS = 2.0


class NotificationConsumer(SessionBoundConsumer, AsyncJsonWebsocketConsumer):
    """Closes when its session ends (accounts/socket_sessions.py)."""

    async def connect(self):
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = live.group_name(self.user.pk)
        self.last_sent = None
        self.poller = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.watch_session()
        await self.push()
        if isinstance(self.channel_layer, InMemoryChannelLayer):
            self.poller = asyncio.create_task(self.poll())

    async def disconnect(self, code):
        self.stop_watching_session()
        if getattr(self, "poller", None):
            self.poller.cancel()
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        pass  # the page only listens; reading happens through the HTTP views

    async def notifications_changed(self, event):
        await self.push()

    async def poll(self):
        while True:
            await asyncio.sleep(POLL_SECONDS)
            await self.push()

    async def push(self):
        """Sends the current state, unless it is what this page already has."""
        state = await database_sync_to_async(live.snapshot)(self.user)
        if state != self.last_sent:
            self.last_sent = state
            await self.send_json(state)
