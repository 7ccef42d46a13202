"""The doors of a dose reminder's answer: the in-app notification (Taken / Skip / Snooze)
and the one-click links of the reminder email, which need no sign-in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.locale import user_language, zone_of
from memory.models import DoseEvent

from . import dose_answers, dose_links
from .models import Notification


@login_required
@require_POST
def answer_reminder(request, pk, action):
    """Taken / Skip / Snooze on an in-app dose reminder; htmx gets the row back."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if not dose_answers.is_dose_reminder(notification) or action not in dose_answers.ACTIONS:
        return HttpResponseBadRequest(_("This reminder is not available."))
    outcome = dose_answers.answer(notification, action, DoseEvent.Via.IN_APP)
    if request.htmx:
        return render(request, "notifications/index.html#row", {"notification": notification})
    messages.info(request, outcome.message)
    return redirect("notifications:index")


@require_http_methods(["GET", "HEAD", "POST"])
def answer_link(request, token):
    """A link from a reminder email: no sign-in; the signature is the key.

    Opening it only asks (mail scanners and link previews open every link they see); the
    answer is recorded by the page's button, a POST.
    """
    found = dose_links.read_token(token)
    if found is None:
        return render(request, "notifications/dose_link.html", {
            "ok": False, "message": _("This link is not valid or has expired."),
        }, status=400)
    notification, action = found
    user = notification.user
    with user_language(user), timezone.override(zone_of(user)):
        context = {"notification": notification, "dose_at": dose_answers.dose_time(notification)}
        if request.method == "POST":
            outcome = dose_answers.answer(notification, action, DoseEvent.Via.EMAIL)
            context.update(ok=outcome.changed, message=outcome.message)
        else:
            context.update(confirm=dose_links.button_label(action), action=action)
        response = render(request, "notifications/dose_link.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak onwards
    return response
