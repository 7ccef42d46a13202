"""The calendar feed: a private URL per user that any calendar app can read, recurring
reminders as RRULE on the user's wall clock, and a revoked URL that is simply gone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from notifications import calendar_feed, reminders
from notifications.calendar_feed import cron_to_rrule
from notifications.models import Notification

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")


def _feed_url(client, user):
    client.force_login(user)
    client.post(reverse("notifications:calendar_change"), {"regenerate": "1"})
    page = client.get(reverse("notifications:preferences"))
    feed = calendar_feed.current(user)
    url = reverse("calendar:feed", args=[calendar_feed.token_for(feed)])
    assert url in page.text, "the settings page shows the address"
    client.logout()
    return url


def _events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_feed_parses_with_reminders_in_the_users_zone(client, make_user):
    olga = make_user("olga@example.com", timezone="Europe/Moscow")
    tomorrow = timezone.now().astimezone(MOSCOW).date() + timedelta(days=1)
    once = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 30, tzinfo=MOSCOW)
    reminders.create(olga, title="Blood test", scheduled_at=once, channel="in_app")
    reminders.create(olga, title="Bisoprolol", recurrence="0 8 * * *", channel="in_app")
    reminders.create(olga, title="Weigh in", recurrence="15 7 * * 1,4", channel="in_app")
    url = _feed_url(client, olga)

    events = _events(client.get(url))  # no session: a calendar app has none

    blood = events["Blood test"]
    start = blood.decoded("dtstart")
    assert start == once and str(start.tzinfo) == "Europe/Moscow"
    assert "rrule" not in blood
    daily = events["Bisoprolol"]
    assert (daily.decoded("dtstart").hour, daily.decoded("dtstart").minute) == (8, 0)
    assert str(daily.decoded("dtstart").tzinfo) == "Europe/Moscow"
    assert daily["rrule"]["FREQ"] == ["DAILY"]
    assert daily["rrule"]["BYHOUR"] == [8] and daily["rrule"]["BYMINUTE"] == [0]
    weekly = events["Weigh in"]
    assert weekly["rrule"]["FREQ"] == ["WEEKLY"] and weekly["rrule"]["BYDAY"] == ["MO", "TH"]
    assert weekly.decoded("dtstart").strftime("%a %H:%M") in {"Mon 07:15", "Thu 07:15"}


def test_revoked_and_regenerated_addresses_are_404(client, user):
    Notification.objects.create(user=user, title="Walk",
                                scheduled_at=timezone.now() + timedelta(hours=1))
    old = _feed_url(client, user)
    new = _feed_url(client, user)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    client.force_login(user)
    client.post(reverse("notifications:calendar_change"), {"revoke": "1"})
    client.logout()
    assert client.get(new).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_a_token_reaches_only_its_users_events(client, user, other_user):
    Notification.objects.create(user=user, title="Alice's pills",
                                scheduled_at=timezone.now() + timedelta(hours=1))
    Notification.objects.create(user=other_user, title="Bob's pills",
                                scheduled_at=timezone.now() + timedelta(hours=1))
    events = _events(client.get(_feed_url(client, other_user)))
    assert set(events) == {"Bob's pills"}


def test_past_and_sent_reminders_are_left_out(client, user):
    Notification.objects.create(user=user, title="Already sent", status="sent",
                                scheduled_at=timezone.now() + timedelta(hours=1))
    Notification.objects.create(user=user, title="Next", scheduled_at=timezone.now()
                                + timedelta(days=2))
    assert set(_events(client.get(_feed_url(client, user)))) == {"Next"}


def test_cron_rrule_cannot_say_is_expanded_into_occurrences(client, user):
    # Day 1 of the month OR any Monday: cron's either-or has no RRULE.
    reminders.create(user, title="Check", recurrence="0 9 1 * 1", channel="in_app")
    events = Calendar.from_ical(client.get(_feed_url(client, user)).content).walk("VEVENT")
    assert len(events) >= 8
    assert all("rrule" not in event for event in events)
    assert len({str(event["uid"]) for event in events}) == len(events)


@pytest.mark.parametrize(("cron", "rule"), [
    ("0 8 * * *", {"FREQ": "DAILY", "BYHOUR": [8], "BYMINUTE": [0]}),
    ("30 8,20 * * 1-5", {"FREQ": "WEEKLY", "BYDAY": ["MO", "TU", "WE", "TH", "FR"],
                         "BYHOUR": [8, 20], "BYMINUTE": [30]}),
    ("0 9 * * 0", {"FREQ": "WEEKLY", "BYDAY": ["SU"], "BYHOUR": [9], "BYMINUTE": [0]}),
    ("0 8 1,15 * *", {"FREQ": "MONTHLY", "BYMONTHDAY": [1, 15], "BYHOUR": [8],
                      "BYMINUTE": [0]}),
    ("0 10 1 3 *", {"FREQ": "MONTHLY", "BYMONTHDAY": [1], "BYMONTH": [3], "BYHOUR": [10],
                    "BYMINUTE": [0]}),
    ("*/20 9 * * *", {"FREQ": "DAILY", "BYHOUR": [9], "BYMINUTE": [0, 20, 40]}),
    ("0 9 1 * 1", None),
    ("0 9 L * *", None),
])
def test_cron_to_rrule(cron, rule):
    assert cron_to_rrule(cron) == rule


def test_a_series_every_few_days_with_an_end_is_said_in_its_rrule(client, user):
    reminders.create(user, title="Change the dressing", recurrence="0 9 * * *",
                     channel="in_app", metadata={"every_days": 3, "remaining": 5})
    reminders.create(user, title="Course of drops", recurrence="0 20 * * *", channel="in_app",
                     metadata={"until": "2031-05-10"})
    events = _events(client.get(_feed_url(client, user)))
    dressing = events["Change the dressing"]["rrule"]
    assert dressing["FREQ"] == ["DAILY"] and dressing["INTERVAL"] == [3]
    assert dressing["COUNT"] == [5]
    drops = events["Course of drops"]["rrule"]
    assert drops["UNTIL"][0].date().isoformat() in {"2031-05-10", "2031-05-11"}
