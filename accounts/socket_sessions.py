"""A WebSocket lives only as long as the session it was opened with.

The consumers check, on every message and every `CHECK_SECONDS` while connected, that
the session still exists (not signed out, not revoked from the sessions page, not
replaced by an account switch, which flushes it), still belongs to the same account, and
that the account is still active, with the password it had (an erased account is gone).
When not, the socket is closed with SIGNED_OUT and sends nothing more.
"""

import asyncio
import logging
from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare

logger = logging.getLogger(__name__)

CHECK_SECONDS = 15.0
SIGNED_OUT = 4401


def session_key_of(scope) -> str | None:
    session = scope.get("session")
    return getattr(session, "session_key", None) if session is not None else None


def session_holds(session_key: str | None, user_id) -> bool:
    """True while the session is signed in as `user_id` and that account may still act."""
    if not session_key or user_id is None:
        return False
    from accounts.models import User

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    data = store.load()  # {} when the session is gone or expired
    if str(data.get(SESSION_KEY)) != str(user_id) or not data.get(BACKEND_SESSION_KEY):
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())


class SessionBoundConsumer:
    """Mixed into an async WebSocket consumer before its base class: call
    `watch_session()` after accepting and `stop_watching_session()` in `disconnect`."""

    session_ended = False
    _session_watch = None

    async def watch_session(self) -> None:
        user = self.scope.get("user")
        self._session_key = session_key_of(self.scope)
        self._session_user_id = getattr(user, "pk", None)
        self._session_watch = asyncio.create_task(self._watch_session())

    def stop_watching_session(self) -> None:
        watch = self._session_watch
        if watch is not None and watch is not asyncio.current_task():
            watch.cancel()

    async def session_is_valid(self) -> bool:
        """Checks now; closes the socket when the session ended."""
        if self.session_ended:
            return False
        holds = await database_sync_to_async(self.holds_session)()
        if not holds:
            await self.end_session()
        return holds

    def holds_session(self) -> bool:
        """The check itself, synchronous: for a consumer that makes it in the thread hop
        of its own work (see `checks_session_itself`)."""
        return session_holds(getattr(self, "_session_key", None),
                             getattr(self, "_session_user_id", None))

    async def end_session(self) -> None:
        """Closes the socket for good: its session has ended."""
        self.session_ended = True
        self.stop_watching_session()
        await self.close(code=SIGNED_OUT)

    def checks_session_itself(self, message) -> bool:
        """True when the consumer checks the session of this message itself, in the
        thread hop of its own work (one hop less on its way): it must then call
        `holds_session` there before doing anything, and `end_session` when it fails.
        Every other message is checked here, before the consumer sees it."""
        return False

    async def _watch_session(self) -> None:
        try:
            while True:
                await asyncio.sleep(CHECK_SECONDS)
                if not await self.session_is_valid():
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not leave the socket unwatched silently
            logger.exception("checking a socket's session failed; closing it")
            self.session_ended = True
            await self.close(code=SIGNED_OUT)

    async def websocket_receive(self, message):
        if self.session_ended:
            return
        if not self.checks_session_itself(message) and not await self.session_is_valid():
            return
        await super().websocket_receive(message)

    async def send(self, *args, **kwargs):
        if self.session_ended:  # nothing more reaches a page whose session ended
            return
        await super().send(*args, **kwargs)
