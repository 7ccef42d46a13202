"""The bot's tests use the notifications tests' fake Bot API (and a fresh channel layer
for each async test, as the turns publish to it)."""

from notifications.tests.conftest import (  # noqa: F401 - pytest finds fixtures by name
    _fresh_channel_layer,
    telegram_server,
    telegram_server_session,
)
