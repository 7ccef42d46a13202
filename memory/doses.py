"""Doses: recording what became of each scheduled dose, whichever door the answer comes
through (the medication page here; the in-app reminder, an email link and a Telegram
button through notifications/dose_answers.py), and the sweep that marks the unanswered.

A dose is (medication, scheduled_for). Answers from reminders count once: a taken or
skipped dose stays as it is, so a reused link or a second button press changes nothing.
The medication page may correct a dose.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locale import zone_of

from . import hooks
from .models import DoseEvent, Medication

State = DoseEvent.State
ACTIONS = {"taken": State.TAKEN, "skip": State.SKIPPED, "snooze": State.SNOOZED}
FINAL = {State.TAKEN, State.SKIPPED}


@dataclass
class Outcome:
    changed: bool
    message: str
    event: DoseEvent | None = None


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
        zone = zone_of(medication.user)
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
        hooks.missed(user, events)
    return missed
