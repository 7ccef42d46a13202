"""`/ws/notifications/`: the bell's live feed. Unread ones on connect, then every change."""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.utils.translation import gettext as _

from accounts.locale import user_language
from accounts.socket_sessions import SessionBoundConsumer

from . import live

# Embedded mode: the worker is another process, out of reach of the in-memory layer.
POLL_SECONDS = 2.0
# Redis is down: the page gets the state once, a notice, and tries again later.
PAUSED = 4503


def paused_notice(user) -> str:
    with user_language(user):
        return _("Live updates are paused; reload the page to see new notifications.")


class NotificationConsumer(SessionBoundConsumer, AsyncJsonWebsocketConsumer):
    """Closes when its session ends (accounts/socket_sessions.py)."""

    async def __call__(self, scope, receive, send):
        # Without its channel layer (Redis down) the consumer would die before connect();
        # it runs without one and tells the page instead.
        self.layer_down = not await live.layer_reachable()
        if self.layer_down:
            self.channel_layer_alias = "unavailable"
        await super().__call__(scope, receive, send)

    async def connect(self):
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=4401)
            return
        if self.layer_down or self.channel_layer is None:
            await self.accept()
            state = await database_sync_to_async(live.snapshot)(self.user)
            state["paused"] = await database_sync_to_async(paused_notice)(self.user)
            await self.send_json(state)
            await self.close(code=PAUSED)
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
