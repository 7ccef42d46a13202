"""Reminders the assistant makes or proposes, as actions (chats.actions).

The tool and the daily review describe a reminder as a payload; a one-time in-app one is
created at once, any other (email, Telegram, recurring, or a review's suggestion) waits
for the user's confirmation. Undo removes the reminder (and its pending occurrences).
"""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.locale import user_language
from chats import actions
from chats.models import AssistantAction

from . import reminders
from .models import Notification

REMINDER = "notifications.reminder"


def payload(*, title: str, body: str = "", at: datetime | None = None, recurrence: str = "",
            channel: str, type: str = Notification.Type.REMINDER) -> dict:
    return {"title": title.strip()[:200], "body": body or "", "at": at.isoformat() if at else "",
            "recurrence": " ".join((recurrence or "").split()), "channel": channel,
            "type": type}


def needs_confirmation(data: dict) -> bool:
    return bool(data["recurrence"]) or data["channel"] != Notification.Channel.IN_APP


def waiting(user) -> int:
    """Reminders proposed and not yet confirmed or cancelled."""
    return AssistantAction.objects.for_user(user).proposed().filter(kind=REMINDER).count()


def check(user, data: dict) -> None:
    """What the assistant may schedule (ValidationError otherwise): at most hourly, the cap."""
    reminders.check_schedule(data["recurrence"])
    reminders.check_cap(user, waiting(user))


def describe(user, data: dict) -> str:
    """One line in the user's language: what, when, how."""
    with user_language(user):
        channel = str(Notification.Channel(data["channel"]).label)
        if data["recurrence"]:
            return _("Recurring reminder: %(title)s (%(schedule)s, %(channel)s)") % {
                "title": data["title"], "schedule": data["recurrence"], "channel": channel}
        when = datetime.fromisoformat(data["at"]).astimezone(user.zone) if data["at"] else None
        return _("Reminder for %(when)s: %(title)s (%(channel)s)") % {
            "when": formats.date_format(when, "DATETIME_FORMAT") if when else _("now"),
            "title": data["title"], "channel": channel}


def apply_reminder(action) -> None:
    data = action.payload
    reminders.check_schedule(data.get("recurrence", ""))
    reminders.check_cap(action.user)
    at = datetime.fromisoformat(data["at"]) if data.get("at") else None
    if at is not None and data.get("if_past") == "now" and at < timezone.now():
        at = None  # a document's follow-up already due (documents/follow_ups.py): now
    notification = reminders.create(
        action.user, title=data["title"], body=data.get("body", ""), scheduled_at=at,
        recurrence=data.get("recurrence", ""), channel=data["channel"],
        type=data.get("type") or Notification.Type.REMINDER,
        metadata={"source": action.origin, "action": str(action.pk),
                  "chat": str(action.chat_id or "")},
    )
    actions.set_target(action, notification)
    action.previous = None


def undo_reminder(action) -> None:
    """Removes the reminder; of a recurring one, also the occurrences still to come."""
    mine = Notification.objects.for_user(action.user)
    mine.filter(pk=action.target_id).delete()
    mine.filter(status=Notification.Status.PENDING, metadata__series=action.target_id).delete()


def register() -> None:
    actions.register(REMINDER, apply=apply_reminder, undo=undo_reminder,
                     label=gettext_lazy("Reminder"))
