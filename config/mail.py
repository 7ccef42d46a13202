"""The default mailer when EMAIL_URL is not set: SMTP may still be configured at runtime
(the admin's `smtp_url` setting), so this backend looks at send time. With neither, mail
is written to the log (the console backend), as in the embedded mode before.

Being a real backend rather than Django's console one, it passes `check --deploy`
(mail.E001) honestly: production mail goes out as soon as an admin sets SMTP.
"""

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.db import DatabaseError
from django.utils.module_loading import import_string


def runtime_smtp_url() -> str:
    from constance import config

    try:
        return (config.smtp_url or "").strip()
    except DatabaseError:  # not migrated yet
        return ""


class RuntimeEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        return self.backend().send_messages(email_messages)

    def backend(self) -> BaseEmailBackend:
        from config.settings import mailer_from_url

        url = runtime_smtp_url()
        if not url:
            return ConsoleBackend(alias=self.alias)
        mailer = mailer_from_url(url)
        return import_string(mailer["BACKEND"])(alias=self.alias, **mailer.get("OPTIONS", {}))
