"""The user's say over the assistant's writes: Confirm, Cancel and Undo, and the activity page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import actions
from .models import AssistantAction

PAGE_SIZE = 50
CHANGES = {"confirm": actions.confirm, "cancel": actions.cancel, "undo": actions.undo}
DONE = {
    "confirm": gettext_lazy("Confirmed."), "cancel": gettext_lazy("Cancelled."),
    "undo": gettext_lazy("Undone."),
}


def _card(action: AssistantAction) -> dict:
    return {**actions.card(action), "undoable": actions.can_undo(action), "error": action.error}


def _change(request, pk, change: str):
    try:
        action = CHANGES[change](request.user, pk)
    except AssistantAction.DoesNotExist as missing:
        raise Http404 from missing
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("activity:index")
    if request.htmx:
        if request.POST.get("place") == "row":
            return render(request, "chats/activity.html#row", {"action": action, "back": back})
        return render(request, "chats/action_card.html", {"action": _card(action), "back": back})
    if action.state == AssistantAction.State.FAILED or action.error:
        messages.error(request, action.error)
    else:
        messages.success(request, str(DONE[change]))
    return redirect(back)


@login_required
@require_POST
def confirm(request, pk):
    return _change(request, pk, "confirm")


@login_required
@require_POST
def cancel(request, pk):
    return _change(request, pk, "cancel")


@login_required
@require_POST
def undo(request, pk):
    return _change(request, pk, "undo")


@login_required
def activity(request):
    """Every write the assistant made or proposed, newest first, by state."""
    state = request.GET.get("state", "")
    rows = AssistantAction.objects.for_user(request.user).select_related("chat")
    if state in AssistantAction.State.values:
        rows = rows.filter(state=state)
    else:
        state = ""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "chats/activity.html", {
        "page": page, "state": state, "states": AssistantAction.State.choices,
        "waiting": AssistantAction.objects.for_user(request.user).proposed().count(),
    })
