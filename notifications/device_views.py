"""Reaching the user outside the page: Web Push subscriptions, the service worker's
Done/Snooze actions, and the private calendar feed."""

import json
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from . import calendar_feed, push, reminders

JSON_LIMIT = 4096


def _json_body(request):
    if len(request.body) > JSON_LIMIT:
        raise ValidationError(_("The request is too large."))
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The request is not valid JSON.")) from None


@login_required
@require_POST
def push_subscribe(request):
    """JSON `PushSubscription.toJSON()` from the settings toggle (CSRF header required)."""
    browser = push.browser_id(request) or secrets.token_urlsafe(24)
    try:
        push.subscribe(request.user, _json_body(request),
                       request.headers.get("User-Agent", ""), browser)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    response = JsonResponse({"subscribed": True}, status=201)
    # Outlives the session, so that signing out or in here finds what this browser made.
    response.set_cookie(push.BROWSER_COOKIE, browser, max_age=10 * 365 * 24 * 3600,
                        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
    return response


@login_required
@require_POST
def push_unsubscribe(request):
    try:
        data = _json_body(request)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        return JsonResponse({"error": _("The subscription is not valid.")}, status=400)
    return JsonResponse({"removed": push.unsubscribe(request.user, endpoint)})


@csrf_exempt  # the service worker has no page and no CSRF token: the signed token is the proof
@login_not_required
@require_POST
def push_action(request):
    """Done or Snooze pressed on a push notification: `{"token": …, "action": …}`."""
    try:
        data = _json_body(request)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    if not isinstance(data, dict) or data.get("action") not in push.ACTIONS \
            or not isinstance(data.get("token"), str):
        return JsonResponse({"error": _("Unknown action.")}, status=400)
    notification = push.notification_for_token(data["token"])
    if notification is None:
        return JsonResponse({"error": _("This notification is no longer available.")},
                            status=404)
    if data["action"] == "done":
        reminders.mark_done(notification)
    else:
        reminders.snooze(notification)
    return JsonResponse({"ok": True})


@login_required
@require_POST
def calendar_change(request):
    """Regenerate (a new private URL) or revoke (no URL at all)."""
    if "revoke" in request.POST:
        calendar_feed.revoke(request.user)
        messages.success(request, _("The calendar link is revoked; calendars using it stop "
                                    "updating."))
    else:
        calendar_feed.regenerate(request.user)
        messages.success(request, _("A new calendar link is ready; the old one no longer "
                                    "works."))
    return redirect("notifications:preferences")


@never_cache
@login_not_required
@require_safe  # calendar apps may ask with HEAD first
def calendar(request, token):
    """The feed itself: no session (calendar apps fetch it), the token is the key."""
    feed = calendar_feed.feed_for_token(token)
    if feed is None or not feed.user.is_active:
        raise Http404
    response = HttpResponse(calendar_feed.render(feed.user),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="anamnesis.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
