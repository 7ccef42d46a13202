"""What a notification says outside the app: email and Telegram text in the user's language."""

from contextlib import contextmanager

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locale import user_language


@contextmanager
def _in_user_locale(user):
    with user_language(user), timezone.override(user.zone):
        yield


def email_parts(notification) -> tuple[str, str, str]:
    """Subject, text body and HTML body."""
    user = notification.user
    with _in_user_locale(user):
        context = {"notification": notification, "user": user}
        subject = _("Reminder: %(title)s") % {"title": notification.title}
        if notification.type != "reminder":
            subject = notification.title
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    return subject, text, html


def telegram_text(notification) -> tuple[str, list[tuple[str, str]]]:
    """The message text and its buttons (label, callback data)."""
    with _in_user_locale(notification.user):
        lines = [f"🔔 {notification.title}"]
        if notification.body:
            lines += ["", notification.body]
        buttons = [
            ("✅ " + _("Done"), f"done:{notification.pk}"),
            ("⏰ " + _("Snooze 1 h"), f"snooze:{notification.pk}"),
        ]
    return "\n".join(lines), buttons


def digest_parts(user, upcoming, missed, period: str) -> tuple[str, str, str]:
    with _in_user_locale(user):
        context = {"user": user, "upcoming": upcoming, "missed": missed, "period": period}
        subject = _("Your health reminders digest")
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    return subject, text, html
