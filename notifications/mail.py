"""Outgoing mail: the runtime SMTP setting when an admin set one, else EMAIL_URL."""

from constance import config
from django.conf import settings
from django.core.mail import mailers
from django.utils.module_loading import import_string

from accounts.runtime_secrets import secret_setting

from .smtp import mailer_from_url


def from_address() -> str:
    return config.smtp_from_email.strip() or settings.DEFAULT_FROM_EMAIL


def send(message) -> None:
    """Sends one message; SMTP errors propagate so that delivery can retry."""
    smtp_url = secret_setting("smtp_url")
    if smtp_url:
        # Read at send time so that a change in the admin applies without a restart.
        mailer = mailer_from_url(smtp_url)
        backend = import_string(mailer["BACKEND"])(alias="runtime", **mailer.get("OPTIONS", {}))
    else:
        backend = mailers.default
    backend.send_messages([message])
