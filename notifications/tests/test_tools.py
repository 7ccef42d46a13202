"""The `schedule_notification` tool, as the assistant calls it for the chat's owner."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.locale import user_language
from chats import actions, tool_registry
from chats.tool_registry import ToolContext
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def run(user, **data):
    with user_language(user):  # as the engine runs every tool: in its owner's language
        return tool_registry.get("schedule_notification").run(ToolContext(user=user), data)


def test_tool_is_registered_with_a_schema():
    tool = tool_registry.get("schedule_notification")
    assert tool is not None
    assert tool.definition()["input_schema"]["required"] == ["title"]


def confirm(result, user):
    action = actions.confirm(user, result.data["action"]["id"])
    assert action.state == "confirmed", action.error
    return action


def test_every_morning_at_eight_becomes_a_recurring_reminder_in_user_time(make_user):
    owner = make_user("tz@example.com", timezone="Europe/Moscow")
    result = run(owner, title="Take bisoprolol", recurrence="0 8 * * *")
    assert not result.is_error
    # A recurring reminder waits for the user's Confirm: nothing is scheduled before.
    assert result.data["action"]["state"] == "proposed"
    assert "Waiting for your confirmation" in result.summary
    assert not Notification.objects.exists()
    confirm(result, owner)
    n = Notification.objects.get(user=owner)
    assert n.recurrence == "0 8 * * *" and n.status == "pending"
    local = n.scheduled_at.astimezone(owner.zone)
    assert (local.hour, local.minute) == (8, 0)
    assert timezone.now() < n.scheduled_at <= timezone.now() + timedelta(days=1)
    assert "Take bisoprolol" in result.summary


def test_one_time_reminder_at_a_local_time(make_user):
    owner = make_user("ny@example.com", timezone="America/New_York")
    run(owner, title="Call the clinic", at="2031-06-01T14:00")
    n = Notification.objects.get(user=owner)
    assert n.scheduled_at.isoformat() == "2031-06-01T18:00:00+00:00"


def test_in_minutes_and_the_users_preferred_channel(user):
    NotificationPreference.objects.create(user=user, reminder_channel="telegram")
    result = run(user, title="Vitamin D", in_minutes=30)
    assert not Notification.objects.exists()  # Telegram waits for the user's Confirm
    confirm(result, user)
    n = Notification.objects.get(user=user)
    assert n.channel == "telegram"
    assert timedelta(minutes=29) < n.scheduled_at - timezone.now() <= timedelta(minutes=30)


def test_bad_input_is_an_error_the_model_can_read(user):
    assert run(user, title="X").is_error  # no time at all
    assert "cron" in run(user, title="X", recurrence="each morning").content
    assert run(user, title="X", at="tomorrow-ish").is_error
    assert run(user, title="", in_minutes=5).is_error
    assert "passed" in run(user, title="X", at="2001-01-01T08:00").content
    assert not Notification.objects.exists()


def test_reminder_belongs_to_the_chat_owner_only(user, other_user):
    run(user, title="Mine", in_minutes=1)
    assert Notification.objects.filter(user=other_user).count() == 0
    assert Notification.objects.get().user == user


def test_a_one_time_in_app_reminder_is_set_at_once_with_a_human_label(user):
    result = run(user, title="Call the clinic", in_minutes=60, channel="in_app")
    n = Notification.objects.get(user=user)
    assert n.status == "pending" and result.data["action"]["state"] == "applied"
    assert result.summary.startswith("Reminder set for ") and "Call the clinic" in result.summary


def test_russian_user_gets_russian_card_labels(make_user):
    owner = make_user("ru@example.com", language="ru")
    result = run(owner, title="Позвонить врачу", in_minutes=60, channel="in_app")
    waiting = run(owner, title="Витамин D", in_minutes=60, channel="email")
    assert result.summary.startswith("Напоминание на ")
    assert waiting.summary.startswith("Ждёт вашего подтверждения")


def test_recurrence_more_often_than_hourly_is_refused(user):
    for cron in ("* * * * *", "*/5 * * * *", "0,30 * * * *", "0-10 8 * * *"):
        result = run(user, title="Spam", recurrence=cron, channel="in_app")
        assert result.is_error and "at most once an hour" in result.content, cron
    assert not run(user, title="Hourly", recurrence="15 * * * *").is_error
    assert not Notification.objects.exists()


def test_pending_reminders_have_a_cap(user, monkeypatch):
    from notifications import reminders

    monkeypatch.setattr(reminders, "MAX_PENDING", 3)
    for index in range(2):
        assert not run(user, title=f"R{index}", in_minutes=60, channel="in_app").is_error
    assert not run(user, title="By mail", in_minutes=60, channel="email").is_error  # waiting
    refused = run(user, title="One too many", in_minutes=60, channel="in_app")
    assert refused.is_error and "already 3 pending" in refused.content
    assert Notification.objects.filter(user=user).count() == 2
