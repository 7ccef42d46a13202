"""Web Push: a browser's subscription, the encrypted message for a notification, and the
signed token that lets the service worker act on it (Done, Snooze) without a CSRF token."""

import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from pywebpush import WebPushException, webpush

from accounts.locale import user_language

from . import vapid
from .models import Notification, PushSubscription

log = logging.getLogger(__name__)

TTL_SECONDS = 24 * 3600  # a push service keeps an undelivered message this long
TIMEOUT_SECONDS = 10
BODY_LIMIT = 1000  # a push payload must stay under 4 KB once encrypted
ACTION_SALT = "notifications.push-action"
ACTION_MAX_AGE = 7 * 24 * 3600
ACTIONS = ("done", "snooze")
GONE = (404, 410)  # the push service forgot the subscription: it will never work again


class NoSubscription(Exception):
    """The user has no device subscribed (or every one has expired)."""


def subscribe(user, data, user_agent: str = "") -> PushSubscription:
    """Stores the subscription the browser gave (`PushSubscription.toJSON()`).

    An endpoint subscribed before by another account moves to this one: a browser profile
    belongs to whoever signed in on it last.
    """
    if not isinstance(data, dict):
        raise ValidationError(_("The subscription is not valid."))
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        raise ValidationError(_("The subscription is not valid."))
    if not _acceptable_endpoint(endpoint) or len(p256dh) > 200 or len(auth) > 100:
        raise ValidationError(_("The subscription is not valid."))
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    return subscription


def unsubscribe(user, endpoint) -> int:
    deleted, _by_model = PushSubscription.objects.for_user(user).filter(endpoint=endpoint).delete()
    return deleted


def _acceptable_endpoint(endpoint: str) -> bool:
    """Push services are HTTPS; plain HTTP only when the settings allow it (the local test
    push service). The server posts to this address, so nothing else is accepted."""
    if len(endpoint) > 1000:
        return False
    parts = urlsplit(endpoint)
    allowed = {"https", "http"} if getattr(settings, "WEB_PUSH_ALLOW_HTTP", False) else {"https"}
    return parts.scheme in allowed and bool(parts.hostname)


# --- Acting on a notification from the service worker -------------------------------------


def action_token(notification) -> str:
    return signing.dumps(
        {"n": str(notification.pk), "u": str(notification.user_id)}, salt=ACTION_SALT, compress=True
    )


def notification_for_token(token: str):
    """The notification a token names, or None (bad, tampered with, old, or gone)."""
    try:
        data = signing.loads(token, salt=ACTION_SALT, max_age=ACTION_MAX_AGE)
    except (signing.BadSignature, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return Notification.objects.select_related("user").filter(
            pk=data.get("n"), user_id=data.get("u")
        ).first()
    except ValidationError:
        return None


# --- Sending ----------------------------------------------------------------------------


def payload(notification) -> dict:
    """What the service worker shows: text in the user's language, actions, where to go."""
    with user_language(notification.user):
        done_label = _("Taken") if notification.metadata.get("medication") else _("Done")
        return {
            "title": notification.title,
            "body": notification.body[:BODY_LIMIT],
            "tag": str(notification.pk),
            "url": reverse("notifications:index"),
            "actions": [
                {"action": "done", "title": done_label},
                {"action": "snooze", "title": _("Snooze 1 h")},
            ],
            "action_url": reverse("notifications:push_action"),
            "token": action_token(notification),
        }


def send(notification) -> int:
    """Posts the notification to each of the user's devices; returns how many took it.

    A subscription the push service calls gone (404, 410) is deleted. Raises NoSubscription
    when no device is left, and the last error when none took it for another reason.
    """
    subscriptions = list(PushSubscription.objects.filter(user_id=notification.user_id))
    if not subscriptions:
        raise NoSubscription
    data = json.dumps(payload(notification), ensure_ascii=False)
    delivered, error = 0, None
    for subscription in subscriptions:
        try:
            webpush(
                subscription.info(), data, vapid_private_key=vapid.keys(),
                vapid_claims=vapid.claims(), ttl=TTL_SECONDS, timeout=TIMEOUT_SECONDS,
            )
        except WebPushException as failure:
            status = getattr(failure.response, "status_code", None)
            if status in GONE:
                log.info("Push subscription %s is gone (%s): deleted", subscription.pk, status)
                subscription.delete()
                continue
            error = failure
        except OSError as failure:  # network errors from requests are OSErrors
            error = failure
        else:
            delivered += 1
    if delivered:
        return delivered
    if error is None:
        raise NoSubscription
    raise error
