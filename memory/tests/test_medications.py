"""Medications: a schedule becomes recurring reminders in the user's timezone; editing
replaces them, stopping ends them; the pages keep each user to their own medications."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse

from memory import medications
from memory.dose_schedule import crons, dose_times, interval_hours
from memory.models import DoseEvent, Medication
from notifications.models import Notification


def make_medication(user, **fields):
    fields.setdefault("name", "Metformin")
    fields.setdefault("strength", "500 mg")
    fields.setdefault("dose", "1 tablet")
    fields.setdefault("times", ["08:00", "20:00"])
    return medications.save(Medication(user=user, **fields))


@pytest.mark.django_db
def test_twice_a_day_creates_two_recurring_reminders_in_the_users_timezone(make_user):
    owner = make_user("dora@example.com", timezone="Europe/Moscow")
    pill = make_medication(owner)
    reminders = list(Notification.objects.filter(user=owner).order_by("metadata__dose_time"))
    assert [r.recurrence for r in reminders] == ["0 8 * * *", "0 20 * * *"]
    assert [r.metadata["dose_time"] for r in reminders] == ["08:00", "20:00"]
    assert all(r.metadata["medication"] == str(pill.pk) for r in reminders)
    assert all(r.status == "pending" and r.type == "reminder" for r in reminders)
    # 08:00 and 20:00 on Moscow's wall clock are 05:00 and 17:00 UTC.
    assert sorted(r.scheduled_at.astimezone(UTC).hour for r in reminders) == [5, 17]
    assert reminders[0].title == "Time to take Metformin 500 mg"
    assert reminders[0].body == "1 tablet"


@pytest.mark.django_db
def test_russian_user_gets_reminders_in_russian(make_user):
    owner = make_user("ivan@example.com", language="ru")
    make_medication(owner, name="Метформин")
    assert Notification.objects.filter(user=owner).first().title == "Пора принять Метформин 500 mg"


@pytest.mark.django_db
def test_changing_the_schedule_replaces_its_reminders_and_stopping_ends_them(user):
    pill = make_medication(user)
    pill.times = ["09:30"]
    pill.days_of_week = [1, 3, 7]
    medications.save(pill)
    [reminder] = Notification.objects.filter(user=user)
    assert reminder.recurrence == "30 9 * * 0,1,3"  # Sunday is cron's 0
    medications.stop(pill)
    pill.refresh_from_db()
    assert not pill.is_active and pill.end_date is not None
    assert not Notification.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_as_needed_has_no_reminders_and_interval_has_one_series(user):
    make_medication(user, name="Ibuprofen", schedule=Medication.Schedule.AS_NEEDED)
    assert not Notification.objects.filter(user=user).exists()
    inhaler = make_medication(user, name="Inhaler", schedule=Medication.Schedule.INTERVAL,
                              times=["07:00"], every_hours=6)
    [series] = Notification.objects.filter(user=user)
    assert series.recurrence == "0 1,7,13,19 * * *"
    assert crons(inhaler) == [("0 1,7,13,19 * * *", "07:00")]
    assert interval_hours(time(8), 8) == [0, 8, 16]


@pytest.mark.django_db
def test_dose_times_respect_start_and_end_dates(user):
    pill = make_medication(user, start_date=date(2026, 3, 2), end_date=date(2026, 3, 3))
    found = dose_times(pill, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC))
    assert [moment.isoformat() for moment in found] == [
        "2026-03-02T08:00:00+00:00", "2026-03-02T20:00:00+00:00",
        "2026-03-03T08:00:00+00:00", "2026-03-03T20:00:00+00:00"]


@pytest.mark.django_db
def test_course_that_ended_stops_reminding(user):
    pill = make_medication(user)
    Medication.objects.filter(pk=pill.pk).update(end_date=date(2020, 1, 1))
    assert medications.finish_ended_courses() == 1
    pill.refresh_from_db()
    assert not pill.is_active
    assert not Notification.objects.filter(user=user, status="pending").exists()


@pytest.mark.django_db
def test_add_page_creates_the_medication_and_its_reminders(signed_in_client, user):
    response = signed_in_client.post(reverse("memory:medication_new"), {
        "name": "Bisoprolol", "strength": "5 mg", "form": "tablet", "dose": "1",
        "schedule": "times", "times_text": "8:00, 20:00", "weekdays": [],
    })
    pill = Medication.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == reverse(
        "memory:medication", args=[pill.pk])
    assert pill.times == ["08:00", "20:00"]
    assert Notification.objects.filter(user=user, metadata__medication=str(pill.pk)).count() == 2
    page = signed_in_client.get(reverse("memory:medications"))
    assert "Bisoprolol 5 mg" in page.content.decode()


@pytest.mark.django_db
def test_bad_schedule_is_a_clear_400(signed_in_client, user):
    response = signed_in_client.post(reverse("memory:medication_new"), {
        "name": "X", "form": "tablet", "schedule": "times", "times_text": "25:00",
    })
    assert response.status_code == 400
    assert "“25:00” is not a time" in response.content.decode()
    response = signed_in_client.post(reverse("memory:medication_new"), {
        "name": "X", "form": "tablet", "schedule": "interval", "every_hours": "0",
    })
    assert response.status_code == 400 and "from 1 to 24" in response.content.decode()
    assert not Medication.objects.exists()


@pytest.mark.django_db
def test_edit_and_stop_on_the_page(signed_in_client, user):
    pill = make_medication(user)
    url = reverse("memory:medication", args=[pill.pk])
    assert signed_in_client.get(url).status_code == 200
    response = signed_in_client.post(url, {
        "name": "Metformin", "strength": "850 mg", "form": "tablet", "schedule": "times",
        "times_text": "09:00"})
    assert response.status_code == 302
    assert list(Notification.objects.filter(user=user).values_list("recurrence", flat=True)) == [
        "0 9 * * *"]
    signed_in_client.post(reverse("memory:medication_stop", args=[pill.pk]))
    pill.refresh_from_db()
    assert not pill.is_active and not Notification.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_another_users_medication_is_not_found(client, user, other_user):
    pill = make_medication(user)
    client.force_login(other_user)
    assert client.get(reverse("memory:medication", args=[pill.pk])).status_code == 404
    assert client.post(reverse("memory:medication_stop", args=[pill.pk])).status_code == 404
    assert client.post(reverse("memory:dose_record", args=[pill.pk]),
                       {"state": "taken"}).status_code == 404
    pill.refresh_from_db()
    assert pill.is_active


@pytest.mark.django_db
def test_admin_edits_and_deletes_keep_reminders_in_step(client, make_user, user):
    admin = make_user("admin@example.com", role="admin")
    client.force_login(admin)
    pill = make_medication(user)
    url = reverse("admin:memory_medication_delete", args=[pill.pk])
    assert client.get(reverse("admin:memory_medication_change", args=[pill.pk])).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Medication.objects.exists()
    assert not Notification.objects.filter(user=user).exists()
    for name in ["doseevent", "vital", "healthpreference", "memoryentry"]:
        assert client.get(reverse(f"admin:memory_{name}_changelist")).status_code == 200


def test_a_dose_time_too_large_for_a_clock_is_refused_not_a_crash():
    """Found by the form fuzzing: "0.3000000000" overflowed `time()` (a 500 on the form)."""
    from memory.dose_schedule import parse_time

    assert parse_time("0:3000000000") is None
    assert parse_time("08:30").hour == 8


@pytest.mark.django_db
def test_stock_counts_down_with_taken_doses_and_warns_once_before_running_out(
        signed_in_client, user):
    from memory import doses, stock, tasks

    pill = medications.save(Medication(user=user, name="Metformin", times=["08:00", "20:00"]))
    url = reverse("memory:stock_count", args=[pill.pk])
    assert signed_in_client.post(url, {"on_hand": "30", "units_per_dose": "1",
                                       "warning_days": "7"}).status_code == 302
    pill.refresh_from_db()
    current = stock.stock(pill)
    assert current.left == 30 and current.days_left == 15 and not current.is_low
    tasks.sweep_doses()
    assert not Notification.objects.filter(user=user, metadata__kind="stock_low").exists()
    # Eight doses taken, from whichever door: 22 left, 11 days at two a day.
    for hours in range(8):
        doses.record(pill, pill.stock_counted_at + timedelta(minutes=1 + hours),
                     DoseEvent.State.TAKEN, DoseEvent.Via.PAGE)
    page = signed_in_client.get(reverse("memory:medication", args=[pill.pk])).content.decode()
    assert "About 22 left" in page and "(11 days)" in page
    # Eight more: 14 left, 7 days at two a day = the warning.
    for hours in range(8, 16):
        doses.record(pill, pill.stock_counted_at + timedelta(minutes=1 + hours),
                     DoseEvent.State.TAKEN, DoseEvent.Via.PAGE)
    assert stock.stock(pill).is_low
    tasks.sweep_doses()
    tasks.sweep_doses()  # told once, not every pass
    [alert] = Notification.objects.filter(user=user, metadata__kind="stock_low")
    assert "Metformin" in alert.title and "About 14 left" in alert.body
    listing = signed_in_client.get(reverse("memory:medications")).content.decode()
    assert 'data-testid="running-low"' in listing
    # A new pack: counted again, no longer low, and a later warning may come again.
    signed_in_client.post(url, {"on_hand": "60", "units_per_dose": "1", "warning_days": "7"})
    pill.refresh_from_db()
    assert pill.refill_warned_at is None and not stock.stock(pill).is_low
    # Nonsense is a clear 400; the dose reminders (metadata 'medication') are untouched.
    response = signed_in_client.post(url, {"on_hand": "-3", "units_per_dose": "0",
                                           "warning_days": "7"})
    assert response.status_code == 400
    assert Notification.objects.filter(metadata__medication=str(pill.pk)).count() == 2
