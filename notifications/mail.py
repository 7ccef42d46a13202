"""Outgoing mail: the runtime SMTP setting when an admin set one, else EMAIL_URL."""

from constance import config
from django.conf import settings
from django.core.mail import mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
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


class RuntimeEmailBackend(BaseEmailBackend):
    """The default mailer when EMAIL_URL is not set: SMTP may still be set at runtime (the
    admin's `smtp_url`), so this backend looks at send time; with neither, mail is written
    to the log. Being a real backend rather than the console one, it passes
    `check --deploy` (mail.E001) honestly: mail goes out as soon as an admin sets SMTP."""

    def send_messages(self, email_messages):
        return self.backend().send_messages(email_messages)

    def backend(self) -> BaseEmailBackend:
        url = secret_setting("smtp_url")  # "" before the settings table exists
        if not url:
            return ConsoleBackend(alias=self.alias)
        mailer = mailer_from_url(url)
        return import_string(mailer["BACKEND"])(alias=self.alias, **mailer.get("OPTIONS", {}))
