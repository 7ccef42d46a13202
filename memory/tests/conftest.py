"""The notifications tests' real SMTP server and fake Bot API, shared with the health record."""

from notifications.tests.conftest import (  # noqa: F401 - pytest finds fixtures by name
    smtp_server,
    smtp_server_session,
    telegram_server,
    telegram_server_session,
)
