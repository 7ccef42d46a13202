"""Adherence: how a medication's doses went over the last days, day by day, and today's
doses with their answers (for the medication page and the charts)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from accounts.locale import zone_of

from .dose_schedule import dose_times, local_start
from .models import DoseEvent

State = DoseEvent.State


@dataclass
class Day:
    date: date
    states: list = field(default_factory=list)  # one per dose: a state or "open"
    expected: int = 0

    @property
    def taken(self) -> int:
        return self.states.count(State.TAKEN)

    @property
    def summary(self) -> str:
        """One word for the calendar strip's cell."""
        answered = [s for s in self.states if s != "open"]
        if not self.states:
            return "none"
        if not answered:
            return "open"
        if all(s == State.TAKEN for s in answered):
            return "taken"
        if self.taken:
            return "partial"
        if all(s == State.SKIPPED for s in answered):
            return "skipped"
        return "missed"


@dataclass
class Dose:
    scheduled_for: datetime
    state: str  # a DoseEvent state, or "open" (not answered yet)
    via: str = ""


@dataclass
class Adherence:
    days: list[Day]
    taken: int
    skipped: int
    missed: int

    @property
    def answered(self) -> int:
        return self.taken + self.skipped + self.missed

    @property
    def percent(self) -> int | None:
        """Doses taken of the doses that were due and answered or missed."""
        return round(100 * self.taken / self.answered) if self.answered else None


def adherence(medication, days: int = 30, now: datetime | None = None) -> Adherence:
    now = now or timezone.now()
    zone = zone_of(medication.user)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = max(local_start(first, zone), medication.created - timedelta(seconds=1))
    events = {event.scheduled_for: event for event in DoseEvent.objects.filter(
        medication=medication, scheduled_for__gte=local_start(first, zone))}
    by_day: dict[date, Day] = {first + timedelta(days=n): Day(first + timedelta(days=n))
                               for n in range(days)}
    due = set(dose_times(medication, start, now))
    counts = defaultdict(int)
    for event in events.values():
        counts[event.state] += 1
    for moment in sorted(due | set(events)):
        local_day = moment.astimezone(zone).date()
        day = by_day.get(local_day)
        if day is None:
            continue
        event = events.get(moment)
        day.expected += moment in due
        if event:
            day.states.append(event.state)
        elif local_day < today:  # past its day with no answer: missed, even if not swept yet
            day.states.append(State.MISSED)
            counts[State.MISSED] += 1
        else:
            day.states.append("open")
    return Adherence(list(by_day.values()), counts[State.TAKEN], counts[State.SKIPPED],
                     counts[State.MISSED])


def todays_doses(medication, now: datetime | None = None) -> list[Dose]:
    """Today's scheduled doses (and any recorded today), with their answers."""
    now = now or timezone.now()
    return doses_of_day(medication, now.astimezone(zone_of(medication.user)).date())


def doses_of_day(medication, day: date) -> list[Dose]:
    """One day's scheduled doses in the user's time zone (and any recorded that day), with
    their answers: today's for the buttons, a past day's to correct an answer."""
    zone = zone_of(medication.user)
    start, end = local_start(day, zone), local_start(day + timedelta(days=1), zone)
    events = {event.scheduled_for: event for event in DoseEvent.objects.filter(
        medication=medication, scheduled_for__gte=start, scheduled_for__lt=end)}
    moments = set(events)
    if medication.is_scheduled:
        moments |= set(dose_times(medication, start - timedelta(seconds=1),
                                  end - timedelta(seconds=1)))
    # An unanswered dose of an earlier day was missed, as the strip counts it, even
    # before the sweep has marked it.
    unanswered = State.MISSED if day < timezone.now().astimezone(zone).date() else "open"
    return [Dose(moment, events[moment].state if moment in events else unanswered,
                 events[moment].via if moment in events else "")
            for moment in sorted(moments)]


def answerable_day(medication, raw: str | None, now: datetime | None = None) -> date:
    """The day a medication page shows doses of: `raw` (YYYY-MM-DD) when it is a day
    from the medication's start to today, else today."""
    today = (now or timezone.now()).astimezone(zone_of(medication.user)).date()
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return today
    first = medication.created.astimezone(zone_of(medication.user)).date()
    if medication.start_date:
        first = min(first, medication.start_date)
    return day if first <= day <= today else today
