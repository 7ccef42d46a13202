"""Pages: list, read, read all, done, a reminder by hand, preferences —
and another user's notification is a 404 everywhere."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def test_list_shows_my_notifications_not_others(signed_in_client, notify, other_user):
    notify(title="Mine to read", status="sent", sent_at=timezone.now())
    notify(other_user, title="Bob's secret", status="sent", sent_at=timezone.now())
    notify(title="Later pill", scheduled_at=timezone.now() + timedelta(days=1))
    page = signed_in_client.get(reverse("notifications:index")).content.decode()
    assert "Mine to read" in page and "Later pill" in page
    assert "Bob&#x27;s secret" not in page and "Bob's secret" not in page
    assert 'data-unread-count="1"' in page


def test_mark_read_lowers_the_bell_count(signed_in_client, notify, user):
    n = notify(status="sent", sent_at=timezone.now())
    response = signed_in_client.post(reverse("notifications:read", args=[n.pk]))
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.status == "read" and n.read_at
    page = signed_in_client.get(reverse("notifications:index")).content.decode()
    assert 'data-unread-count="0"' in page


def test_mark_read_with_htmx_answers_the_row(signed_in_client, notify):
    n = notify(status="sent", sent_at=timezone.now())
    response = signed_in_client.post(reverse("notifications:read", args=[n.pk]),
                                     headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith(f'<li id="n-{n.pk}"') and 'data-status="read"' in body


def test_read_all_marks_only_mine(signed_in_client, notify, other_user):
    mine = [notify(status="sent", sent_at=timezone.now()) for _ in range(3)]
    theirs = notify(other_user, status="sent", sent_at=timezone.now())
    signed_in_client.post(reverse("notifications:read_all"))
    assert {n.status for n in Notification.objects.filter(pk__in=[m.pk for m in mine])} == {"read"}
    theirs.refresh_from_db()
    assert theirs.status == "sent"


def test_done_is_recorded_and_shown(signed_in_client, notify):
    n = notify(status="sent", sent_at=timezone.now())
    signed_in_client.post(reverse("notifications:done", args=[n.pk]))
    n.refresh_from_db()
    assert n.metadata["done_at"]
    page = signed_in_client.get(reverse("notifications:index")).content.decode()
    assert 'data-testid="done-badge"' in page


@pytest.mark.parametrize("name", ["read", "done", "cancel"])
def test_another_users_notification_is_404(signed_in_client, notify, other_user, name):
    theirs = notify(other_user, status="pending" if name == "cancel" else "sent")
    response = signed_in_client.post(reverse(f"notifications:{name}", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status in {"pending", "sent"} and "done_at" not in theirs.metadata


def test_pages_need_sign_in(client):
    for url in [reverse("notifications:index"), reverse("notifications:preferences")]:
        assert client.get(url).status_code == 302


def test_read_needs_post(signed_in_client, notify):
    n = notify(status="sent")
    assert signed_in_client.get(reverse("notifications:read", args=[n.pk])).status_code == 405


def test_reminder_made_on_the_page_is_in_my_timezone(client, make_user):
    owner = make_user("tz@example.com", timezone="Asia/Tokyo")
    client.force_login(owner)
    response = client.post(reverse("notifications:create"), {
        "title": "Blood test", "when": "2030-01-15T09:30", "repeat": "", "channel": "in_app",
    })
    assert response.status_code == 302
    n = Notification.objects.get(user=owner)
    assert n.scheduled_at.isoformat() == "2030-01-15T00:30:00+00:00"  # 09:30 JST
    assert n.status == "pending" and n.recurrence == ""


def test_daily_reminder_from_the_page_gets_a_cron(signed_in_client, user):
    signed_in_client.post(reverse("notifications:create"), {
        "title": "Vitamin D", "when": "2030-01-15T08:05", "repeat": "daily", "channel": "email",
    })
    n = Notification.objects.get(user=user)
    assert n.recurrence == "5 8 * * *" and n.channel == "email"


def test_bad_reminder_input_is_a_400_with_a_message(signed_in_client):
    response = signed_in_client.post(reverse("notifications:create"), {
        "title": "", "when": "not a date", "repeat": "custom", "cron": "every day",
        "channel": "in_app",
    })
    assert response.status_code == 400
    assert "valid cron" in response.content.decode()
    past = signed_in_client.post(reverse("notifications:create"), {
        "title": "Too late", "when": "2001-01-01T08:00", "channel": "in_app",
    })
    assert past.status_code == 400 and "already passed" in past.content.decode()


def test_cancel_removes_a_pending_reminder(signed_in_client, notify):
    n = notify(scheduled_at=timezone.now() + timedelta(days=1))
    signed_in_client.post(reverse("notifications:cancel", args=[n.pk]))
    assert not Notification.objects.filter(pk=n.pk).exists()


def test_preferences_are_saved(signed_in_client, user):
    response = signed_in_client.post(reverse("notifications:preferences"), {
        "reminder_channel": "telegram", "alert_channel": "email", "info_channel": "in_app",
        "ai_generated_channel": "in_app", "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:00", "digest": "weekly",
    })
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=user)
    assert preference.reminder_channel == "telegram" and preference.digest == "weekly"
    assert preference.daily_review is False  # unchecked box
    assert str(preference.quiet_hours_start) == "22:00:00"


def test_half_quiet_hours_are_refused(signed_in_client):
    response = signed_in_client.post(reverse("notifications:preferences"), {
        "reminder_channel": "in_app", "alert_channel": "in_app", "info_channel": "in_app",
        "ai_generated_channel": "in_app", "quiet_hours_start": "22:00", "digest": "off",
    })
    assert response.status_code == 400 and "both ends" in response.content.decode()


def test_settings_page_links_to_preferences(signed_in_client):
    page = signed_in_client.get(reverse("settings:profile")).content.decode()
    assert reverse("notifications:preferences") in page


def _notifications(user, numbers):
    """Received notifications of every kind (a dose reminder, done, failed, read, unread),
    a pending reminder in every fiftieth and a proposed reminder in every hundredth."""
    from chats.models import AssistantAction
    from notifications.actions import REMINDER

    now = timezone.now()
    pending = [n for n in numbers if n % 50 == 0]
    Notification.objects.bulk_create([
        Notification(user=user, title=f"Reminder {n:04}", body="500 mg with breakfast",
                     type=["reminder", "alert", "info", "ai_generated"][n % 4],
                     channel="in_app" if n % 5 else "email",
                     status="pending" if n in pending else ["sent", "read", "delivered",
                                                            "failed"][n % 4],
                     scheduled_at=now + timedelta(hours=n) if n in pending else None,
                     sent_at=None if n in pending else now - timedelta(minutes=n),
                     metadata={"done_at": now.isoformat()} if n % 7 == 0 else
                     {"medication": 1} if n % 7 == 1 else {})
        for n in numbers
    ])
    AssistantAction.objects.bulk_create([
        AssistantAction(user=user, kind=REMINDER, state="proposed", origin="review",
                        summary=f"Suggested {n}", payload={"title": f"Suggested {n}"})
        for n in numbers if n % 100 == 0
    ])


def test_list_queries_do_not_grow_with_the_notifications(signed_in_client, user):
    """The same queries, at most 13, with 4 notifications and with 1,000 (30 a page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications import views

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            response = signed_in_client.get(reverse("notifications:index"), params)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    _notifications(user, range(4))
    queries()  # warms the session and runtime-settings caches
    few, _ = queries()
    _notifications(user, range(4, 1000))
    many, page = queries()
    assert many == few <= 13
    assert page.count('id="n-') == views.PAGE_SIZE
    assert "Page 1 of 33" in page and "Suggested 900" in page
    last, page = queries(page=33)
    assert last == few and "Page 33 of 33" in page and "Reminder 0999" in page


@pytest.mark.parametrize("language, text", [("en", "Page 2 of 2"), ("ru", "Страница 2 из 2")])
def test_the_pager_says_which_page_in_the_users_language(signed_in_client, user, language,
                                                        text):
    from notifications import views

    user.language = language
    user.save()
    Notification.objects.bulk_create([
        Notification(user=user, title=f"Old {n}", status="read", sent_at=timezone.now())
        for n in range(views.PAGE_SIZE + 1)
    ])
    page = signed_in_client.get(reverse("notifications:index"), {"page": 2}).content.decode()
    assert text in page and page.count('id="n-') == 1


def test_the_bell_snapshot_queries_do_not_grow_with_the_notifications(user):
    """The socket's list of the newest unread ones: two queries however many there are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications import live

    _notifications(user, range(4))
    with CaptureQueriesContext(connection) as few:
        live.snapshot(user)
    _notifications(user, range(4, 1000))
    with CaptureQueriesContext(connection) as many:
        state = live.snapshot(user)
    assert len(many) == len(few) == 2
    assert len(state["notifications"]) == live.RECENT and state["unread"] > live.RECENT


def test_a_page_reminder_cannot_repeat_every_minute(signed_in_client):
    """The assistant's limits hold on the page too: delivery is shared by every user."""
    for cron in ["* * * * *", "*/5 * * * *", "0,30 * * * *"]:
        response = signed_in_client.post(reverse("notifications:create"), {
            "title": "Drink water", "when": "2030-01-15T08:00", "repeat": "custom",
            "cron": cron, "channel": "in_app",
        })
        assert response.status_code == 400, cron
        assert "at most once an hour" in response.content.decode()
    assert not Notification.objects.exists()
    hourly = signed_in_client.post(reverse("notifications:create"), {
        "title": "Drink water", "when": "2030-01-15T08:00", "repeat": "custom",
        "cron": "15 * * * *", "channel": "in_app",
    })
    assert hourly.status_code == 302


def test_page_reminders_are_capped_per_user(signed_in_client, user, notify, monkeypatch):
    from notifications import reminders

    monkeypatch.setattr(reminders, "MAX_PENDING", 3)
    for _ in range(3):
        notify(scheduled_at=timezone.now() + timedelta(days=1))
    response = signed_in_client.post(reverse("notifications:create"), {
        "title": "One more", "when": "2030-01-15T08:00", "repeat": "", "channel": "in_app",
    })
    assert response.status_code == 400
    assert "There are already 3 pending reminders" in response.content.decode()
    assert Notification.objects.for_user(user).count() == 3


def _reminder_form(**fields):
    return {"title": "Measure blood pressure", "body": "", "when": "2031-03-05T08:30",
            "repeat": "", "cron": "", "channel": "in_app", "ends": "never", **fields}


def test_a_reminder_is_edited_and_its_series_can_end_after_a_count(signed_in_client, user,
                                                                  other_user):
    from notifications import delivery

    signed_in_client.post(reverse("notifications:create"), _reminder_form())
    reminder = Notification.objects.get(user=user)
    url = reverse("notifications:edit", args=[reminder.pk])
    assert url in signed_in_client.get(reverse("notifications:index")).content.decode()
    form = signed_in_client.get(url).content.decode()
    assert 'value="Measure blood pressure"' in form and 'value="2031-03-05T08:30"' in form
    response = signed_in_client.post(url, _reminder_form(
        title="Blood pressure, both arms", repeat="every_days", every_days="3",
        ends="after", count="2"))
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.title == "Blood pressure, both arms"
    assert reminder.recurrence == "30 8 * * *"
    assert reminder.metadata["every_days"] == 3 and reminder.metadata["remaining"] == 2
    assert reminder.metadata["source"] == "page"  # the rest of its metadata stays
    # Every third day at 08:30, twice, then the series ends.
    first = reminder.scheduled_at
    assert delivery.deliver_due(now=first + timedelta(seconds=5)) == 1
    second = Notification.objects.get(user=user, status="pending")
    assert second.scheduled_at - first == timedelta(days=3)
    assert delivery.deliver_due(now=second.scheduled_at + timedelta(seconds=5)) == 1
    assert not Notification.objects.filter(user=user, status="pending").exists()
    # Another user's reminder is not found; nonsense is a clear 400.
    signed_in_client.post(reverse("notifications:create"), _reminder_form())
    mine = Notification.objects.get(user=user, status="pending")
    edit = reverse("notifications:edit", args=[mine.pk])
    assert signed_in_client.post(edit, _reminder_form(repeat="every_days")).status_code == 400
    assert signed_in_client.post(edit, _reminder_form(
        repeat="daily", ends="on", until="2031-03-01")).status_code == 400
    signed_in_client.force_login(other_user)
    assert signed_in_client.get(edit).status_code == 404


def test_monthly_and_until_presets(signed_in_client, user):
    from notifications import delivery

    response = signed_in_client.post(reverse("notifications:create"), _reminder_form(
        title="Vitamin B12 shot", when="2031-01-31T09:00", repeat="monthly", ends="on",
        until="2031-04-15"))
    assert response.status_code == 302
    reminder = Notification.objects.get(user=user)
    assert reminder.recurrence == "0 9 31 * *" and reminder.metadata["until"] == "2031-04-15"
    moments = []
    while (pending := Notification.objects.filter(user=user, status="pending").first()):
        moments.append(pending.scheduled_at.astimezone(user.zone).date().isoformat())
        delivery.deliver_due(now=pending.scheduled_at + timedelta(seconds=5))
    assert moments == ["2031-01-31", "2031-03-31"]  # February has no 31st; April's is after


def test_a_medications_dose_reminder_is_not_edited_here(signed_in_client, user):
    reminder = Notification.objects.create(user=user, title="Metformin", scheduled_at=timezone.now()
                                           + timedelta(hours=1), metadata={"medication": "x"})
    assert signed_in_client.get(reverse("notifications:edit", args=[reminder.pk])).status_code == 404
