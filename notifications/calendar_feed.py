"""The private calendar feed: a revocable URL per user, and their upcoming reminders as an
iCalendar file (recurring ones as RRULE on the wall clock of the user's timezone).

Events come from `SOURCES`, functions `(user, now) -> list[Event]`. Reminders are the
first; medication doses join here (notifications may import memory, memory may not
import notifications), or appear on their own when they are scheduled as reminders.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from accounts.locale import user_language

from . import series
from .models import CalendarFeed, Notification
from .schedule import next_occurrence

SALT = "notifications.calendar-feed"
DURATION = timedelta(minutes=15)
EXPANDED_OCCURRENCES = 20  # for a cron that RRULE cannot say
EXPANDED_HORIZON = timedelta(days=62)
WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]  # cron numbers 0-6


@dataclass
class Event:
    uid: str
    title: str
    start: datetime  # aware
    description: str = ""
    rrule: dict | None = None


# --- The URL --------------------------------------------------------------------------


def token_for(feed: CalendarFeed) -> str:
    return signing.Signer(salt=SALT, sep=".").sign(feed.key)


def feed_for_token(token: str) -> CalendarFeed | None:
    try:
        key = signing.Signer(salt=SALT, sep=".").unsign(token)
    except signing.BadSignature:
        return None
    return CalendarFeed.objects.select_related("user").filter(key=key).first()


def current(user) -> CalendarFeed | None:
    return CalendarFeed.objects.for_user(user).first()


def regenerate(user) -> CalendarFeed:
    """A new key: the old URL stops working at once."""
    feed, _created = CalendarFeed.objects.update_or_create(
        user=user, defaults={"key": secrets.token_hex(24)}
    )
    return feed


def revoke(user) -> None:
    CalendarFeed.objects.for_user(user).delete()


# --- Cron to RRULE ----------------------------------------------------------------------


def cron_to_rrule(expression: str) -> dict | None:
    """The RRULE with the same occurrences as a 5-field cron on the same wall clock, or
    None when RRULE cannot say it: a day of the month AND a weekday (cron means either),
    or the special forms (L, #)."""
    try:
        (minutes, hours, days, months, weekdays), nth = croniter.expand(expression)
    except (ValueError, KeyError, TypeError):
        return None
    fields = minutes + hours + days + months + weekdays
    if nth or any(isinstance(value, str) and value != "*" for value in fields):
        return None
    any_day, any_month, any_weekday = days == ["*"], months == ["*"], weekdays == ["*"]
    if not any_day and not any_weekday:
        return None
    rule = {}
    if any_day and any_weekday:
        rule["FREQ"] = "DAILY"
    elif any_day:
        rule["FREQ"] = "WEEKLY"
        rule["BYDAY"] = [WEEKDAYS[day % 7] for day in weekdays]
    else:
        rule["FREQ"] = "MONTHLY"
        rule["BYMONTHDAY"] = days
    if not any_month:
        rule["BYMONTH"] = months
    rule["BYHOUR"] = list(range(24)) if hours == ["*"] else hours
    rule["BYMINUTE"] = list(range(60)) if minutes == ["*"] else minutes
    return rule


# --- Events -----------------------------------------------------------------------------


def reminder_events(user, now: datetime) -> list[Event]:
    """Pending reminders: a one-time one is one event; a recurring series is one event with
    its RRULE, from the next occurrence, or its next occurrences when RRULE cannot say it."""
    events = []
    pending = Notification.objects.for_user(user).filter(
        status=Notification.Status.PENDING, scheduled_at__gte=now - DURATION
    ).order_by("scheduled_at")
    for notification in pending:
        uid = notification.metadata.get("series") or str(notification.pk)
        event = Event(uid=f"{uid}@anamnesis", title=notification.title,
                      start=notification.scheduled_at, description=notification.body)
        if not notification.recurrence:
            events.append(event)
            continue
        event.rrule = cron_to_rrule(notification.recurrence)
        if event.rrule is not None:
            event.rrule.update(series.rrule_parts(notification))
            events.append(event)
            continue
        events.extend(_expanded(event, notification.recurrence, user, now))
    return events


def _expanded(event: Event, expression: str, user, now: datetime) -> list[Event]:
    occurrences, moment = [], event.start
    horizon = now + EXPANDED_HORIZON
    while len(occurrences) < EXPANDED_OCCURRENCES and moment <= horizon:
        occurrences.append(Event(
            uid=f"{event.uid.split('@')[0]}-{moment:%Y%m%dT%H%M}@anamnesis", title=event.title,
            start=moment, description=event.description,
        ))
        moment = next_occurrence(expression, moment, user.zone)
    return occurrences


SOURCES = [reminder_events]


def events_for(user, now: datetime | None = None) -> list[Event]:
    now = now or timezone.now()
    return [event for source in SOURCES for event in source(user, now)]


def render(user, now: datetime | None = None) -> bytes:
    """The user's feed as an iCalendar file, times in their timezone."""
    zone = user.zone
    calendar = Calendar()
    calendar.add("prodid", "-//Anamnesis//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    with user_language(user):
        calendar.add("x-wr-calname", _("Anamnesis reminders"))
    calendar.add("x-wr-timezone", str(zone))
    stamp = timezone.now()
    for event in events_for(user, now):
        vevent = VEvent()
        vevent.add("uid", event.uid)
        vevent.add("dtstamp", stamp)
        vevent.add("summary", event.title)
        start = event.start.astimezone(zone)
        vevent.add("dtstart", start)
        vevent.add("dtend", start + DURATION)
        if event.description:
            vevent.add("description", event.description)
        if event.rrule:
            vevent.add("rrule", event.rrule)
        calendar.add_component(vevent)
    calendar.add_missing_timezones()
    return calendar.to_ical()
