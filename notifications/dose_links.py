"""Answers from a reminder email: signed links that need no sign-in.

The signature binds the reminder and the action; the link stays valid for a few days and
counts once, because a dose already answered stays answered (see `doses.record`). Opening
a link only shows the question with one button: mail scanners open every link they see."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext

from .models import Notification

SALT = "memory.dose-link"
MAX_AGE = timedelta(days=3)
ACTIONS = ["taken", "skip", "snooze"]


def button_label(action: str) -> str:
    return {"taken": gettext("Mark as taken"), "skip": gettext("Skip this dose"),
            "snooze": gettext("Remind me in 1 hour")}[action]


def make_token(notification, action: str) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"n": str(notification.pk), "a": action}, compress=True)


def read_token(token: str) -> tuple[Notification, str] | None:
    """The reminder and action a token names, or None when forged, expired or gone."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or data.get("a") not in ACTIONS:
        return None
    notification = (Notification.objects.select_related("user")
                    .filter(pk=data.get("n"), user__is_active=True).first())
    if notification is None:
        return None
    return notification, data["a"]


def links(notification) -> list[tuple[str, str]]:
    """(action, absolute URL) for a dose reminder's email; none for other notifications."""
    if not (notification.metadata or {}).get("medication"):
        return []
    base = settings.SITE_URL.rstrip("/")
    return [(action, base + reverse("notifications:dose_link",
                                    args=[make_token(notification, action)]))
            for action in ACTIONS]
