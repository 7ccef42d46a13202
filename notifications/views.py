"""Notification pages: the list, reading, a reminder by hand, preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chats.models import AssistantAction

from . import actions as reminder_actions
from . import calendar_feed, push, reminders, vapid
from .forms import PreferenceForm, ReminderForm
from .models import Notification, NotificationPreference, PushSubscription

PAGE_SIZE = 30


def _list_context(request, form=None):
    mine = Notification.objects.for_user(request.user)
    page = Paginator(
        mine.exclude(status=Notification.Status.PENDING).order_by("-sent_at", "-created"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    preference = NotificationPreference.for_user(request.user)
    return {
        "page": page,
        "upcoming": mine.filter(status=Notification.Status.PENDING).order_by("scheduled_at")[:20],
        # The unread count is the shell's `unread_count` (config.context_processors).
        "form": form or ReminderForm(initial={"channel": preference.reminder_channel}),
        "suggestions": AssistantAction.objects.for_user(request.user).proposed()
        .filter(kind=reminder_actions.REMINDER).order_by("-created")[:20],
    }


@login_required
def index(request):
    return render(request, "notifications/index.html", _list_context(request))


@login_required
@require_POST
def create(request):
    form = ReminderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        when = _aware(request.user, data["when"])
        try:
            reminders.check_schedule(data["recurrence"])
            reminders.check_cap(request.user)
            reminders.create(
                request.user, title=data["title"], body=data["body"], scheduled_at=when,
                recurrence=data["recurrence"], channel=data["channel"],
                metadata={"source": "page", **data["series"]},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The reminder is scheduled."))
            return redirect("notifications:index")
    return render(request, "notifications/index.html", _list_context(request, form), status=400)


def _update_row(request, pk, change):
    """Applies `change` to one of the user's notifications; htmx gets the row back."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    change(notification)
    if request.htmx:
        return render(request, "notifications/index.html#row", {"notification": notification})
    return redirect("notifications:index")


@login_required
@require_POST
def read(request, pk):
    return _update_row(request, pk, reminders.mark_read)


@login_required
@require_POST
def done(request, pk):
    return _update_row(request, pk, reminders.mark_done)


def _aware(user, when):
    return timezone.make_aware(when.replace(tzinfo=None), user.zone) \
        if timezone.is_naive(when) else when


@login_required
def edit(request, pk):
    """A pending reminder changed: what, when, how often, until when. A medication's dose
    reminders follow its schedule and are changed on the medication's page."""
    notification = get_object_or_404(
        Notification.objects.for_user(request.user)
        .filter(status=Notification.Status.PENDING).exclude(metadata__has_key="medication"),
        pk=pk,
    )
    form = ReminderForm.for_notification(notification, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reminders.check_schedule(data["recurrence"])
            reminders.update(notification, title=data["title"], body=data["body"],
                             scheduled_at=_aware(request.user, data["when"]),
                             recurrence=data["recurrence"], channel=data["channel"],
                             series=data["series"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The reminder is saved."))
            return redirect("notifications:index")
    status = 400 if request.method == "POST" else 200
    return render(request, "notifications/edit.html",
                  {"form": form, "notification": notification}, status=status)


@login_required
@require_POST
def cancel(request, pk):
    notification = get_object_or_404(
        Notification.objects.for_user(request.user).filter(status=Notification.Status.PENDING),
        pk=pk,
    )
    notification.delete()
    messages.success(request, _("The reminder is cancelled."))
    return redirect("notifications:index")


@login_required
@require_POST
def read_all(request):
    count = reminders.mark_all_read(request.user)
    messages.success(request, _("Marked %(count)s as read.") % {"count": count})
    return redirect("notifications:index")


@login_required
def preferences(request):
    preference = NotificationPreference.for_user(request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html",
                      _preferences_context(request, form), status=400)
    return render(request, "notifications/preferences.html", _preferences_context(request, form))


def _preferences_context(request, form):
    feed = calendar_feed.current(request.user)
    calendar_url = ""
    if feed is not None:
        calendar_url = request.build_absolute_uri(
            reverse("calendar:feed", args=[calendar_feed.token_for(feed)])
        )
    return {
        "form": form,
        "vapid_public_key": vapid.public_key(),
        "push_devices": PushSubscription.objects.for_user(request.user).count(),
        # Whether this browser's subscription is this account's (not one of an account
        # that signed out or was switched away from here): the page drops a stale one.
        "push_here": bool(push.browser_id(request)) and PushSubscription.objects.for_user(
            request.user).filter(browser=push.browser_id(request)).exists(),
        "calendar_url": calendar_url,
    }
