"""Doses: recording what became of each scheduled dose, from whichever door the answer
comes (the in-app notification, an email link, a Telegram button, the medication page).

A dose is (medication, scheduled_for). Answers from reminders count once: a taken or
skipped dose stays as it is, so a reused link or a second button press changes nothing.
The medication page may correct a dose. Snoozing sends the reminder again in an hour.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from notifications import live, reminders
from notifications.models import Notification
from notifications.schedule import user_zone

from .dose_schedule import previous_occurrence
from .models import DoseEvent, Medication

SNOOZE = timedelta(hours=1)
State = DoseEvent.State
ACTIONS = {"taken": State.TAKEN, "skip": State.SKIPPED, "snooze": State.SNOOZED}
FINAL = {State.TAKEN, State.SKIPPED}


@dataclass
class Outcome:
    changed: bool
    message: str
    event: DoseEvent | None = None


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
        return previous_occurrence(notification.recurrence, when, user_zone(notification.user))
    return when


def state_label(state: str) -> str:
    return str(dict(State.choices).get(state, state)).lower()


def record(medication, scheduled_for: datetime, state: str, via: str,
           correcting: bool = False) -> Outcome:
    """Sets the dose's state once; `correcting` (the medication page) may change it."""
    now = timezone.now()
    with transaction.atomic():
        event = (DoseEvent.objects.select_for_update()
                 .filter(medication=medication, scheduled_for=scheduled_for).first())
        if event is None:
            try:
                with transaction.atomic():
                    event = DoseEvent.objects.create(
                        medication=medication, scheduled_for=scheduled_for, state=state,
                        set_at=now, via=via)
            except IntegrityError:  # answered at the same moment through another door
                return Outcome(False, _("This dose was already recorded."))
            return Outcome(True, _recorded_message(state), event)
        if event.state == state or not (correcting or _may_follow(event.state, state)):
            return Outcome(False, _("This dose was already recorded as %(state)s; nothing "
                                    "changed.") % {"state": state_label(event.state)}, event)
        event.state, event.set_at, event.via = state, now, via
        event.save(update_fields=["state", "set_at", "via"])
        return Outcome(True, _recorded_message(state), event)


def _may_follow(current: str, new: str) -> bool:
    """From a reminder: a snoozed or missed dose can still be taken or skipped."""
    return current in (State.SNOOZED, State.MISSED) and new in FINAL


def _recorded_message(state: str) -> str:
    if state == State.TAKEN:
        return _("Recorded as taken.")
    if state == State.SKIPPED:
        return _("Recorded as skipped.")
    if state == State.SNOOZED:
        return _("Snoozed for 1 hour.")
    return _("Recorded.")


TAKE_NOW_BEFORE, TAKE_NOW_AFTER = timedelta(hours=6), timedelta(hours=2)


def take_now(medication, via: str, now: datetime | None = None) -> Outcome:
    """“I took a dose now”: the nearest unanswered scheduled dose of today (a few hours
    either side), or an extra dose at this moment."""
    from .adherence import todays_doses

    now = (now or timezone.now()).replace(microsecond=0)
    candidates = [
        dose for dose in todays_doses(medication, now)
        if dose.state in ("open", State.SNOOZED, State.MISSED)
        and now - TAKE_NOW_BEFORE <= dose.scheduled_for <= now + TAKE_NOW_AFTER
    ]
    if candidates:
        nearest = min(candidates, key=lambda dose: abs(dose.scheduled_for - now))
        return record(medication, nearest.scheduled_for, State.TAKEN, via, correcting=True)
    return record(medication, now, State.TAKEN, via, correcting=True)


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
    fields = ["metadata"]
    if state == State.TAKEN:
        notification.metadata.setdefault("done_at", timezone.now().isoformat())
    if notification.status in (Notification.Status.SENT, Notification.Status.DELIVERED):
        notification.status = Notification.Status.READ
        notification.read_at = timezone.now()
        fields += ["status", "read_at"]
    notification.save(update_fields=fields)
    live.announce(notification.user_id)


# --- Telegram ---------------------------------------------------------------------------


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


# --- The sweep: unanswered doses become missed ---------------------------------------------

SWEEP_WINDOW = timedelta(days=2)


def deadline(scheduled_for: datetime, later_doses: list[datetime], zone) -> datetime:
    """An answer is due by the next dose or by the end of that day, whichever comes first."""
    local = scheduled_for.astimezone(zone)
    end_of_day = (local.replace(hour=0, minute=0, second=0, microsecond=0)
                  + timedelta(days=1)).astimezone(scheduled_for.tzinfo)
    following = [moment for moment in later_doses if moment > scheduled_for]
    return min([end_of_day, *following[:1]])


def sweep(now: datetime | None = None) -> dict:
    """Marks unanswered doses of the last two days missed; returns {user: [events]}."""
    from .dose_schedule import dose_times

    now = now or timezone.now()
    missed: dict = {}
    medications = (Medication.objects.filter(is_active=True)
                   .exclude(schedule=Medication.Schedule.AS_NEEDED).select_related("user"))
    for medication in medications:
        zone = user_zone(medication.user)
        since = max(now - SWEEP_WINDOW, medication.created)
        times = dose_times(medication, since, now + timedelta(days=1))
        answered = dict(
            DoseEvent.objects.filter(medication=medication, scheduled_for__gte=since)
            .values_list("scheduled_for", "state"))
        for moment in times:
            if moment > now or deadline(moment, times, zone) > now:
                continue
            if answered.get(moment) in (None, State.SNOOZED):
                outcome = record(medication, moment, State.MISSED, DoseEvent.Via.SWEEP,
                                 correcting=True)
                if outcome.changed:
                    missed.setdefault(medication.user, []).append(outcome.event)
    for user, events in missed.items():
        nudge(user, events)
    return missed


def nudge(user, events) -> Notification | None:
    """One in-app note listing the doses that were just missed."""
    from django.utils import translation
    from django.utils.formats import time_format

    zone = user_zone(user)
    with translation.override(user.language or "en"), timezone.override(zone):
        lines = [f"{event.medication} — {time_format(event.scheduled_for.astimezone(zone))}"
                 for event in sorted(events, key=lambda event: event.scheduled_for)]
        title = (_("Missed dose: %(name)s") % {"name": events[0].medication}
                 if len(events) == 1 else _("%(count)s missed doses") % {"count": len(events)})
        body = "\n".join(lines) + "\n" + _(
            "If you took them, mark them as taken on the medication page.")
    return reminders.create(
        user, title=title, body=body, channel=Notification.Channel.IN_APP,
        type=Notification.Type.ALERT, metadata={"kind": "missed_doses"},
    )
