"""The proactive daily review against the fake Anthropic server."""

from datetime import UTC, datetime, timedelta

import pytest
from constance.test.pytest import override_config
from django.urls import reverse
from django.utils import timezone

from chats import actions
from chats.models import TokenUsage
from memory.models import MemoryEntry
from notifications import review
from notifications.models import Notification, NotificationPreference
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db


def _proposal(*items):
    return Reply.tool("propose_reminders", {"reminders": list(items)})


def test_review_suggests_reminders_from_memory_and_records_tokens(user, fake_anthropic):
    MemoryEntry.objects.create(user=user, category="medication", title="Bisoprolol 5 mg",
                               content="Every morning", importance="high")
    fake_anthropic.queue(_proposal(
        {"title": "Take bisoprolol", "body": "5 mg with breakfast", "at": "2031-01-01T08:00",
         "recurrence": "0 8 * * *"},
        {"title": "Repeat TSH test", "at": "2031-02-01T09:00"},
    ))
    created = review.review(user)
    assert sorted(a.payload["title"] for a in created) == ["Repeat TSH test", "Take bisoprolol"]
    # Suggestions, not reminders: nothing is scheduled until the user accepts one.
    assert {a.state for a in created} == {"proposed"}
    assert {a.origin for a in created} == {"review"}
    assert not Notification.objects.filter(user=user).exists()
    accepted = actions.confirm(user, created[0].pk)
    assert accepted.state == "confirmed"
    assert Notification.objects.get(user=user).type == "ai_generated"
    request = fake_anthropic.requests[-1]
    assert "Bisoprolol 5 mg" in request["messages"][0]["content"]
    assert request["tool_choice"] == {"type": "tool", "name": "propose_reminders"}
    usage = TokenUsage.objects.get(user=user, source="review")
    assert usage.requests == 1 and usage.input_tokens > 0


def test_review_never_duplicates_an_existing_reminder(user, fake_anthropic):
    Notification.objects.create(user=user, title="Take Bisoprolol", recurrence="0 8 * * *",
                                scheduled_at=timezone.now())
    fake_anthropic.queue(_proposal(
        {"title": "take  bisoprolol", "at": "2031-01-01T08:00", "recurrence": "0 8 * * *"},
        {"title": "Drink water", "at": "2031-01-01T10:00"},
        {"title": "Drink water", "at": "2031-01-01T11:00"},
    ))
    created = review.review(user)
    assert [a.payload["title"] for a in created] == ["Drink water"]
    fake_anthropic.queue(_proposal({"title": "Drink Water", "at": "2031-01-02T10:00"}))
    assert review.review(user) == []  # a suggestion still waiting counts too
    assert Notification.objects.filter(user=user).count() == 1


def test_in_app_suggestions_can_be_accepted_automatically(user, fake_anthropic):
    NotificationPreference.objects.create(user=user, auto_accept_suggestions=True)
    fake_anthropic.queue(_proposal({"title": "Walk", "at": "2031-01-01T10:00"}))
    [action] = review.review(user)
    assert action.state == "applied"
    assert Notification.objects.get(user=user).title == "Walk"


def test_suggestions_by_telegram_always_wait(user, fake_anthropic):
    NotificationPreference.objects.create(user=user, auto_accept_suggestions=True,
                                          ai_generated_channel="telegram")
    fake_anthropic.queue(_proposal({"title": "Walk", "at": "2031-01-01T10:00"}))
    [action] = review.review(user)
    assert action.state == "proposed" and not Notification.objects.exists()


def test_review_skips_nonsense_proposals(user, fake_anthropic):
    fake_anthropic.queue(_proposal(
        {"title": "Bad time", "at": "whenever"},
        {"title": "Bad cron", "at": "2031-01-01T08:00", "recurrence": "often"},
        {"title": "Every minute", "at": "2031-01-01T08:00", "recurrence": "* * * * *"},
    ))
    assert review.review(user) == []


def test_review_off_asks_nothing(user, fake_anthropic):
    NotificationPreference.objects.create(user=user, daily_review=False)
    assert review.review(user) == []
    assert fake_anthropic.requests == []


def test_reviews_are_queued_at_the_users_hour_once_a_day(make_user, monkeypatch):
    moscow = make_user("msk@example.com", timezone="Europe/Moscow")  # UTC+3
    make_user("utc@example.com", timezone="UTC")
    off = make_user("off@example.com", timezone="Europe/Moscow")
    NotificationPreference.objects.create(user=off, daily_review=False)
    calls = []
    # The review itself is tested above; here only who is queued, and when. The queue is
    # django-q2's own, so its entry point is replaced by a recorder.
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args: calls.append((func, *args)))
    with override_config(daily_review_hour=7):
        at_seven_moscow = datetime(2026, 11, 25, 4, 10, tzinfo=UTC)
        assert review.queue_due_reviews(at_seven_moscow) == 1
        assert review.queue_due_reviews(at_seven_moscow) == 0  # once a day
        assert review.queue_due_reviews(datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) == 0
        assert review.queue_due_reviews(datetime(2026, 11, 26, 4, 5, tzinfo=UTC)) == 1
    assert calls == [("notifications.tasks.review_user", moscow.pk)] * 2


def test_suggestions_are_accepted_or_dismissed_on_the_notifications_page(
    signed_in_client, user, fake_anthropic
):
    fake_anthropic.queue(_proposal({"title": "Walk after lunch", "at": "2031-01-01T13:00"},
                                   {"title": "Stretch", "at": "2031-01-01T18:00"}))
    walk, stretch = sorted(review.review(user), key=lambda a: a.payload["title"], reverse=True)
    page = signed_in_client.get("/notifications/").content.decode()
    assert "Suggestions waiting for you" in page
    assert "Walk after lunch" in page and "Stretch" in page
    response = signed_in_client.post(f"/chats/actions/{walk.pk}/confirm/",
                                      {"next": "/notifications/"})
    assert response.url == "/notifications/"
    signed_in_client.post(f"/chats/actions/{stretch.pk}/cancel/", {"next": "/notifications/"})
    assert list(Notification.objects.filter(user=user).values_list("title", flat=True)) == [
        "Walk after lunch"]
    assert "Suggestions waiting for you" not in signed_in_client.get("/notifications/").content.decode()


def test_review_proposes_nothing_dismissed_or_delivered_in_the_last_30_days(user, fake_anthropic):
    fake_anthropic.queue(_proposal({"title": "Check your blood pressure",
                                    "at": "2031-01-01T08:00"}))
    [suggestion] = review.review(user)
    actions.cancel(user, suggestion.pk)  # dismissed on the notifications page
    Notification.objects.create(user=user, title="Repeat the TSH test", status="read",
                                scheduled_at=timezone.now() - timedelta(days=12),
                                sent_at=timezone.now() - timedelta(days=12))
    Notification.objects.create(user=user, title="Book a dentist visit", status="read",
                                scheduled_at=timezone.now() - timedelta(days=45),
                                sent_at=timezone.now() - timedelta(days=45))
    fake_anthropic.queue(_proposal(
        {"title": "Blood pressure check", "at": "2031-01-02T08:00"},  # dismissed, reworded
        {"title": "Repeat TSH test", "at": "2031-01-02T09:00"},  # delivered 12 days ago
        {"title": "Book a dentist visit", "at": "2031-01-02T10:00"},  # 45 days ago: fine
        {"title": "Check your ferritin", "at": "2031-01-02T11:00"},  # new
    ))
    created = review.review(user)
    assert sorted(a.payload["title"] for a in created) == ["Book a dentist visit",
                                                          "Check your ferritin"]
    # The model is told what not to propose again, too.
    told = fake_anthropic.requests[-1]["messages"][0]["content"]
    assert "Check your blood pressure" in told and "Repeat the TSH test" in told


def test_each_user_chooses_the_hour_of_their_review(make_user, monkeypatch, signed_in_client,
                                                    user):
    early = make_user("early@example.com", timezone="UTC")
    NotificationPreference.objects.create(user=early, review_hour=5)
    make_user("default@example.com", timezone="UTC")
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args: calls.append(args[0]))
    with override_config(daily_review_hour=9):
        assert review.queue_due_reviews(datetime(2026, 11, 25, 5, 0, tzinfo=UTC)) == 1
        assert calls == [early.pk]
    # The hour is set on the notification preferences page, 0–23.
    page = signed_in_client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="review_hour"' in page
    form = {"reminder_channel": "in_app", "alert_channel": "in_app", "info_channel": "in_app",
            "ai_generated_channel": "in_app", "digest": "off", "daily_review": "on"}
    url = reverse("notifications:preferences")
    assert signed_in_client.post(url, {**form, "review_hour": "25"}).status_code == 400
    assert signed_in_client.post(url, {**form, "review_hour": "6"}).status_code == 302
    assert NotificationPreference.objects.get(user=user).review_hour == 6
