"""Time in the user's timezone: cron occurrences (DST-correct) and quiet hours."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter


def is_valid_cron(expression: str) -> bool:
    return bool(expression) and len(expression.split()) == 5 and croniter.is_valid(expression)


def wall_clock(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as an aware UTC instant.

    A time skipped by a spring-forward change (02:30) moves on by the gap; a time that
    occurs twice in autumn is taken at its first occurrence.
    """
    aware = local.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone).astimezone(UTC)


def next_occurrence(expression: str, after: datetime, zone: ZoneInfo) -> datetime:
    """The first time strictly after `after` matching the cron expression on the wall clock.

    Cron runs on naive local time so that "0 8 * * *" stays at 08:00 across DST changes.
    """
    local_after = after.astimezone(zone).replace(tzinfo=None)
    iterator = croniter(expression, local_after)
    for _ in range(4):  # a few tries: a skipped local time can map back before `after`
        candidate = wall_clock(iterator.get_next(datetime), zone)
        if candidate > after:
            return candidate
    return candidate


def quiet_until(now: datetime, start: time | None, end: time | None, zone: ZoneInfo):
    """The end of the quiet hours `now` falls in (an aware instant), or None."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # across midnight, e.g. 22:00–07:00
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return wall_clock(datetime.combine(end_day, end), zone)
