"""A medication's schedule as cron expressions in the user's timezone, and the dose times
they give: the same expressions drive its reminders and the doses sweep."""

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from accounts.locale import zone_of

DEFAULT_FIRST_TIME = "08:00"


def parse_time(text: str) -> time | None:
    try:
        hours, minutes = str(text).split(":")
        return time(int(hours), int(minutes))
    except (TypeError, ValueError, OverflowError):  # "0:3000000000" overflows time()
        return None


def _weekdays(days) -> str:
    """ISO weekdays (1 = Monday … 7 = Sunday) as cron's (0 = Sunday); every day is "*"."""
    chosen = sorted({int(day) % 7 for day in days or []})
    return "*" if not chosen or len(chosen) == 7 else ",".join(str(day) for day in chosen)


def interval_hours(first: time, every: int) -> list[int]:
    """The hours of an every-N-hours schedule over one day, starting at `first`."""
    steps = math.ceil(24 / every)
    return sorted({(first.hour + step * every) % 24 for step in range(steps)})


def crons(medication) -> list[tuple[str, str]]:
    """(cron expression, label) for each reminder series of the medication's schedule."""
    if medication.schedule == medication.Schedule.AS_NEEDED:
        return []
    weekdays = _weekdays(medication.days_of_week)
    times = [t for t in (parse_time(text) for text in medication.times or []) if t]
    if medication.schedule == medication.Schedule.INTERVAL:
        every = medication.every_hours or 0
        if every < 1:
            return []
        first = times[0] if times else parse_time(DEFAULT_FIRST_TIME)
        hours = ",".join(str(hour) for hour in interval_hours(first, every))
        return [(f"{first.minute} {hours} * * {weekdays}", f"{first:%H:%M}")]
    return [(f"{t.minute} {t.hour} * * {weekdays}", f"{t:%H:%M}") for t in sorted(set(times))]


def _aware(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time as an instant: a time skipped by a spring-forward change moves on
    by the gap, one that occurs twice is taken at its first occurrence (as the reminders
    of notifications/schedule.py do, so dose times and reminder times agree)."""
    aware = local.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone).astimezone(UTC)


def next_occurrence(expression: str, after: datetime, zone: ZoneInfo) -> datetime:
    """The first time strictly after `after` matching the expression on the wall clock."""
    iterator = croniter(expression, after.astimezone(zone).replace(tzinfo=None))
    for _ in range(4):  # a skipped local time can map back before `after`
        candidate = _aware(iterator.get_next(datetime), zone)
        if candidate > after:
            return candidate
    return candidate


def local_start(day, zone: ZoneInfo) -> datetime:
    """Midnight of `day` in `zone`, as an aware instant."""
    return datetime.combine(day, time.min).replace(tzinfo=zone).astimezone(UTC)


def previous_occurrence(expression: str, at: datetime, zone: ZoneInfo) -> datetime:
    """The latest time at or before `at` matching the expression on the wall clock."""
    local = (at + timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None)
    return _aware(croniter(expression, local).get_prev(datetime), zone)


def dose_times(medication, start: datetime, end: datetime) -> list[datetime]:
    """Every scheduled dose of the medication in (start, end], within its start/end dates."""
    zone = zone_of(medication.user)
    if medication.start_date:
        start = max(start, local_start(medication.start_date, zone) - timedelta(seconds=1))
    if medication.end_date:
        end = min(end, local_start(medication.end_date + timedelta(days=1), zone)
                  - timedelta(seconds=1))
    found = set()
    for expression, _label in crons(medication):
        moment = start
        while True:
            moment = next_occurrence(expression, moment, zone)
            if moment > end:
                break
            found.add(moment)
    return sorted(found)
