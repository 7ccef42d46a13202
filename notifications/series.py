"""A recurring reminder's series: when its next occurrence is, and when it ends.

The rhythm is the cron expression in `recurrence` (every day, weekday, week, month…);
what cron cannot say rides in the notification's metadata and travels with each
occurrence: `every_days` (every N days at the same wall-clock time), `until` (the last
local date, ISO) and `remaining` (occurrences left, this one included)."""

from datetime import date, datetime, timedelta

from .schedule import next_occurrence, wall_clock

SERIES_KEYS = ("every_days", "until", "remaining")


def next_time(notification, after: datetime) -> datetime | None:
    """When the occurrence after this one is due, or None when the series ends here."""
    metadata, zone = notification.metadata or {}, notification.user.zone
    remaining = metadata.get("remaining")
    if remaining is not None and int(remaining) <= 1:
        return None
    every_days = metadata.get("every_days")
    if every_days:  # the same wall-clock time, N days on (past `after` if it fell behind)
        step = timedelta(days=int(every_days))
        local = (notification.scheduled_at or after).astimezone(zone).replace(tzinfo=None)
        local += step
        while (moment := wall_clock(local, zone)) <= after:
            local += step
    else:
        moment = next_occurrence(notification.recurrence, after, zone)
    until = metadata.get("until")
    if until and moment.astimezone(zone).date() > date.fromisoformat(until):
        return None
    return moment


def next_metadata(metadata: dict) -> dict:
    """The series' metadata for the next occurrence: one fewer remaining."""
    if metadata.get("remaining") is not None:
        return {**metadata, "remaining": int(metadata["remaining"]) - 1}
    return metadata


def rrule_parts(notification) -> dict:
    """What the calendar feed adds to the cron's RRULE: INTERVAL, COUNT, UNTIL."""
    metadata, parts = notification.metadata or {}, {}
    if metadata.get("every_days"):
        parts["INTERVAL"] = int(metadata["every_days"])
    if metadata.get("remaining") is not None:
        parts["COUNT"] = int(metadata["remaining"])
    if metadata.get("until"):
        last = date.fromisoformat(metadata["until"])
        parts["UNTIL"] = wall_clock(datetime(last.year, last.month, last.day, 23, 59, 59),
                                notification.user.zone)
    return parts
