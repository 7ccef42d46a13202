"""Web Push: a browser's subscription, the encrypted message for a notification, and the
signed token that lets the service worker act on it (Done, Snooze) without a CSRF token."""

import json
import logging
import time

from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from pywebpush import WebPushException, webpush

from accounts.locale import user_language

from . import push_endpoints, vapid
from .channels.base import PermanentFailure
from .models import Notification, PushSubscription

log = logging.getLogger(__name__)

TTL_SECONDS = 24 * 3600  # a push service keeps an undelivered message this long
TIMEOUT_SECONDS = (3.05, 5)  # connect, read: a push service answers at once
DEVICE_SECONDS = 8  # the whole post to one device, whatever the server does
SEND_SECONDS = 20  # all devices of one notification: the delivery pass must move on
MAX_SUBSCRIPTIONS = 10  # per account; a new one replaces the oldest
BROWSER_COOKIE = "push_browser"  # a random id of the browser, kept across sign-ins
BODY_LIMIT = 1000  # a push payload must stay under 4 KB once encrypted
ACTION_SALT = "notifications.push-action"
ACTION_MAX_AGE = 7 * 24 * 3600
ACTIONS = ("done", "snooze")
GONE = (404, 410)  # the push service forgot the subscription: it will never work again


class NoSubscription(Exception):
    """The user has no device subscribed (or every one has expired)."""


class PushFailed(Exception):
    """No device took the message, for a reason that may pass (the push service's own
    words are logged, never stored: they are another server's text)."""


def subscribe(user, data, user_agent: str = "", browser: str = "") -> PushSubscription:
    """Stores the subscription the browser gave (`PushSubscription.toJSON()`).

    An endpoint subscribed before by another account moves to this one: a browser profile
    belongs to whoever signed in on it last. Only public https endpoints are taken
    (push_endpoints.py); past MAX_SUBSCRIPTIONS the account's oldest one is dropped.
    """
    if not isinstance(data, dict):
        raise ValidationError(_("The subscription is not valid."))
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        raise ValidationError(_("The subscription is not valid."))
    if len(p256dh) > 200 or len(auth) > 100:
        raise ValidationError(_("The subscription is not valid."))
    try:
        push_endpoints.check(endpoint)
    except push_endpoints.UnsafeEndpoint as problem:
        log.warning("Push subscription refused (%s): %.200s", problem, endpoint)
        raise ValidationError(_("This push service address is not accepted.")) from None
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300],
                  "browser": browser[:64]},
    )
    kept = PushSubscription.objects.for_user(user).order_by("-created", "-pk").values_list(
        "pk", flat=True)[:MAX_SUBSCRIPTIONS]
    PushSubscription.objects.for_user(user).exclude(pk__in=list(kept)).delete()
    return subscription


def unsubscribe(user, endpoint) -> int:
    deleted, _by_model = PushSubscription.objects.for_user(user).filter(endpoint=endpoint).delete()
    return deleted


def browser_id(request) -> str:
    """This browser's id from its cookie, "" when it has none (or a forged, odd one)."""
    value = request.COOKIES.get(BROWSER_COOKIE, "")
    return value if 20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() \
        else ""


def forget_browser(request, keep_user=None) -> int:
    """On a shared device: signing out (keep_user None) deletes the push subscriptions made
    in this browser; signing in as someone else deletes those of the other accounts, so the
    next person neither gets the last one's reminders nor acts on them. Returns how many."""
    browser = browser_id(request) if request is not None else ""
    if not browser:
        return 0
    made_here = PushSubscription.objects.filter(browser=browser)
    if keep_user is not None:
        made_here = made_here.exclude(user=keep_user)
    deleted, _by_model = made_here.delete()
    if deleted:
        log.info("%d push subscription(s) of a browser deleted as its account changed", deleted)
    return deleted


# --- Acting on a notification from the service worker -------------------------------------


def action_token(notification, subscription) -> str:
    """Signed for one device: once its subscription is gone (signed out, switched, expired)
    the buttons of what it already shows act no more."""
    return signing.dumps(
        {"n": str(notification.pk), "u": str(notification.user_id), "s": subscription.pk},
        salt=ACTION_SALT, compress=True,
    )


def notification_for_token(token: str):
    """The notification a token names, or None (bad, tampered with, old, gone, or its
    device no longer subscribed for the notification's owner)."""
    try:
        data = signing.loads(token, salt=ACTION_SALT, max_age=ACTION_MAX_AGE)
    except (signing.BadSignature, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    try:
        if not PushSubscription.objects.filter(pk=data["s"], user_id=data.get("u")).exists():
            return None
        return Notification.objects.select_related("user").filter(
            pk=data.get("n"), user_id=data.get("u")
        ).first()
    except ValidationError:
        return None


# --- Sending ----------------------------------------------------------------------------


def payload(notification, subscription) -> dict:
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
            "token": action_token(notification, subscription),
        }


def send(notification) -> int:
    """Posts the notification to each of the user's devices; returns how many took it.

    A subscription the push service calls gone (404, 410), or whose address now resolves
    to a non-public one, is deleted. Raises NoSubscription when no device is left,
    PushFailed (a generic reason) when none took it, and PermanentFailure when the server
    has no real VAPID contact (Apple's service refuses a placeholder).
    """
    if vapid.placeholder_subject():
        log.warning("Web Push not sent: %s", vapid.SUBJECT_PROBLEM)
        raise PermanentFailure("Web Push is not configured on this server (the administrator "
                               "must set VAPID_SUBJECT).")
    subscriptions = list(PushSubscription.objects.filter(user_id=notification.user_id)
                         .order_by("-created")[:MAX_SUBSCRIPTIONS])
    if not subscriptions:
        raise NoSubscription
    deadline = time.monotonic() + SEND_SECONDS
    delivered, failures = 0, []
    for subscription in subscriptions:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            failures.append("time is up")
            break
        data = json.dumps(payload(notification, subscription), ensure_ascii=False)
        outcome = _post(subscription, data, min(DEVICE_SECONDS, remaining))
        if outcome is None:
            delivered += 1
        elif outcome:
            failures.append(outcome)
    if delivered:
        return delivered
    if not failures:
        raise NoSubscription
    reasons = ", ".join(sorted(set(failures)))
    raise PushFailed(f"The push service did not accept the message ({reasons}).")


def _post(subscription, data: str, seconds: float) -> str | None:
    """One device: None when it took the message, "" when the subscription was dropped,
    else a short reason of ours (a status code or the kind of error)."""
    try:
        webpush(
            subscription.info(), data, vapid_private_key=vapid.keys(),
            vapid_claims=vapid.claims(), ttl=TTL_SECONDS, timeout=TIMEOUT_SECONDS,
            requests_session=push_endpoints.session(seconds),
        )
    except push_endpoints.UnsafeEndpoint as problem:
        log.warning("Push subscription %s deleted: %s", subscription.pk, problem)
        subscription.delete()
        return ""
    except WebPushException as failure:
        status = getattr(failure.response, "status_code", None)
        if status in GONE:
            log.info("Push subscription %s is gone (%s): deleted", subscription.pk, status)
            subscription.delete()
            return ""
        log.warning("Push to subscription %s failed: %.300s", subscription.pk, failure)
        return f"HTTP {status}" if status else "no answer"
    except OSError as failure:  # network errors from requests are OSErrors
        log.warning("Push to subscription %s failed: %s", subscription.pk,
                    type(failure).__name__)
        return "no connection"
    return None
