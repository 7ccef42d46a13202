"""Email: HTML and text templates in the user's language, over the configured SMTP server."""

from django.core.mail import EmailMultiAlternatives

from .. import mail
from ..messages import email_parts
from .base import Channel, PermanentFailure


class EmailChannel(Channel):
    name = "email"

    def send(self, notification) -> None:
        user = notification.user
        if not user.email:
            raise PermanentFailure("The user has no email address.")
        subject, text, html = email_parts(notification)
        headers = {}
        if notification.delivery_key:
            # One Message-ID per delivery: a relay or a mail client that sees the same
            # message twice can tell it is one message.
            headers["Message-ID"] = f"<{notification.delivery_key}@anamnesis.notification>"
        message = EmailMultiAlternatives(
            subject=subject, body=text, from_email=mail.from_address(), to=[user.email],
            headers=headers,
        )
        message.attach_alternative(html, "text/html")
        mail.send(message)
