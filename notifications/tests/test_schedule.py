"""Cron occurrences on the user's wall clock across DST changes, and quiet hours."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from notifications.schedule import is_valid_cron, next_occurrence, quiet_until

BERLIN = ZoneInfo("Europe/Berlin")


def test_daily_reminder_stays_at_eight_local_across_spring_dst_change():
    # Berlin moves from UTC+1 to UTC+2 on 2026-03-29.
    first = next_occurrence("0 8 * * *", datetime(2026, 3, 27, 12, 0, tzinfo=UTC), BERLIN)
    second = next_occurrence("0 8 * * *", first, BERLIN)
    third = next_occurrence("0 8 * * *", second, BERLIN)
    assert first == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)  # 08:00 CET
    assert second == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST
    assert third.astimezone(BERLIN).hour == 8


def test_daily_reminder_stays_at_eight_local_across_autumn_dst_change():
    first = next_occurrence("0 8 * * *", datetime(2026, 10, 24, 12, 0, tzinfo=UTC), BERLIN)
    second = next_occurrence("0 8 * * *", first, BERLIN)
    assert first == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 08:00 CET, the day of the change
    assert second == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    assert {first.astimezone(BERLIN).hour, second.astimezone(BERLIN).hour} == {8}


def test_time_skipped_by_spring_change_fires_after_the_gap_once():
    occurrence = next_occurrence("30 2 * * *", datetime(2026, 3, 28, 12, 0, tzinfo=UTC), BERLIN)
    assert occurrence.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)
    following = next_occurrence("30 2 * * *", occurrence, BERLIN)
    assert following.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 30, 2, 30)


def test_time_repeated_by_autumn_change_fires_once():
    first = next_occurrence("30 2 * * *", datetime(2026, 10, 24, 12, 0, tzinfo=UTC), BERLIN)
    second = next_occurrence("30 2 * * *", first, BERLIN)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (CEST)
    assert second.astimezone(BERLIN).date().day == 26


def test_weekday_schedule_skips_the_weekend():
    friday_evening = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    nxt = next_occurrence("0 9 * * 1-5", friday_evening, ZoneInfo("UTC"))
    assert nxt == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday


def test_invalid_cron_expressions_are_rejected():
    assert is_valid_cron("0 8 * * *")
    assert not is_valid_cron("every morning")
    assert not is_valid_cron("0 8 * *")
    assert not is_valid_cron("61 8 * * *")


def test_quiet_hours_across_midnight_end_next_morning():
    zone = ZoneInfo("Europe/Moscow")  # UTC+3
    late = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
    assert quiet_until(late, time(22), time(7), zone) == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
    early = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 05:00
    assert quiet_until(early, time(22), time(7), zone) == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
    day = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # noon
    assert quiet_until(day, time(22), time(7), zone) is None
    assert quiet_until(late, None, None, zone) is None
