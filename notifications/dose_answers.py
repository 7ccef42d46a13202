"""Answers to a medication's dose reminder: Taken, Skip or Snooze from the in-app
notification, a one-click email link or a Telegram button. The dose itself is recorded by
memory.doses (once: a reused link or a second press changes nothing)."""

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.locale import zone_of
from memory.dose_schedule import previous_occurrence
from memory.doses import ACTIONS, Outcome, record
from memory.models import DoseEvent, Medication

from . import reminders
from .models import Notification

SNOOZE = timedelta(hours=1)
State = DoseEvent.State


def is_dose_reminder(notification) -> bool:
    return bool((notification.metadata or {}).get("medication"))


def dose_time(notification) -> datetime:
    """The dose a reminder is about: a snoozed copy says so; an occurrence of a series is
    the latest cron time at or before its delivery time (quiet hours may have moved it)."""
    metadata = notification.metadata or {}
    if metadata.get("dose_at"):
        return parse_datetime(metadata["dose_at"])
    when = notification.scheduled_at or notification.created
    if notification.recurrence:
        return previous_occurrence(notification.recurrence, when, zone_of(notification.user))
    return when


def answer(notification, action: str, via: str) -> Outcome:
    """Taken, skip or snooze on a dose reminder (the caller has checked whose it is)."""
    state = ACTIONS.get(action)
    medication = (Medication.objects.for_user(notification.user)
                  .filter(pk=(notification.metadata or {}).get("medication")).first())
    if state is None or medication is None:
        return Outcome(False, _("This reminder is not available."))
    scheduled_for = dose_time(notification)
    outcome = record(medication, scheduled_for, state, via)
    if outcome.changed:
        with transaction.atomic():
            if state == State.SNOOZED:
                snooze(notification, medication, scheduled_for)
            _note_on_reminder(notification, state)
    return outcome


def snooze(notification, medication, scheduled_for: datetime) -> Notification:
    return Notification.objects.create(
        user_id=notification.user_id, title=notification.title, body=notification.body,
        type=notification.type, channel=notification.channel,
        scheduled_at=timezone.now() + SNOOZE,
        metadata={"medication": str(medication.pk), "dose_at": scheduled_for.isoformat(),
                  "snoozed_from": str(notification.pk), "source": "medication"},
    )


def _note_on_reminder(notification, state: str) -> None:
    """The reminder shows the answer (and is read) wherever it was given."""
    notification.metadata["dose_state"] = state
    if state == State.TAKEN:
        notification.metadata.setdefault("done_at", timezone.now().isoformat())
    reminders.save_read(notification, ["metadata"])


# --- Telegram ------------------------------------------------------------------------------


def telegram_buttons(notification) -> list[tuple[str, str]]:
    return [
        ("✅ " + _("Taken"), f"dose:taken:{notification.pk}"),
        ("⏭ " + _("Skip"), f"dose:skip:{notification.pk}"),
        ("⏰ " + _("Snooze 1 h"), f"dose:snooze:{notification.pk}"),
    ]


def telegram_button(user, data: str) -> tuple[str, bool]:
    """A Taken / Skip / Snooze press from the chat linked to `user` (None: not linked)."""
    _prefix, action, raw_id = [*data.split(":", 2), "", ""][:3]
    try:
        pk = uuid.UUID(raw_id)
    except ValueError:
        return _("This button is no longer valid."), False
    # Ownership: only a reminder of the account this chat is linked to.
    notification = Notification.objects.for_user(user).filter(pk=pk).first() if user else None
    if notification is None or not is_dose_reminder(notification) or action not in ACTIONS:
        return _("This reminder is not available."), False
    outcome = answer(notification, action, DoseEvent.Via.TELEGRAM)
    return outcome.message, outcome.changed
