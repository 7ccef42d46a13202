"""The Telegram channel: a reminder delivered with Done and Snooze buttons, and its
errors — the real python-telegram-bot against the local fake Bot API
(tests/fakes/telegram_server.py). The bot that answers the buttons is telegram_bot's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import delivery
from notifications.models import Notification

CHAT = 555001


@pytest.mark.django_db
def test_reminder_arrives_with_done_and_snooze_buttons(make_user, telegram_server):
    owner = make_user("tg@example.com", telegram_chat_id=CHAT)
    n = Notification.objects.create(user=owner, title="Take bisoprolol", body="5 mg",
                                    channel=Notification.Channel.TELEGRAM)
    assert delivery.deliver_due() == 1
    [sent] = telegram_server.calls_to("sendMessage")
    assert int(sent["chat_id"]) == CHAT
    assert "Take bisoprolol" in sent["text"] and "5 mg" in sent["text"]
    buttons = sent["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == [f"done:{n.pk}", f"snooze:{n.pk}"]
    assert ["Done" in buttons[0]["text"], "Snooze 1 h" in buttons[1]["text"]] == [True, True]
    n.refresh_from_db()
    assert n.status == Notification.Status.SENT and n.metadata["telegram_message_id"]


@pytest.mark.django_db
def test_russian_user_gets_russian_buttons(make_user, telegram_server):
    owner = make_user("ru@example.com", telegram_chat_id=CHAT, language="ru")
    Notification.objects.create(user=owner, title="Витамин D", channel="telegram")
    delivery.deliver_due()
    buttons = telegram_server.calls_to("sendMessage")[0]["reply_markup"]["inline_keyboard"][0]
    assert "Готово" in buttons[0]["text"] and "Отложить на 1 ч" in buttons[1]["text"]


@pytest.mark.django_db
def test_blocked_bot_fails_at_once_with_the_reason(make_user, telegram_server):
    owner = make_user("tg@example.com", telegram_chat_id=CHAT)
    telegram_server.blocked.add(CHAT)
    n = Notification.objects.create(user=owner, title="Pills", channel="telegram")
    delivery.deliver_due()
    n.refresh_from_db()
    assert n.status == Notification.Status.FAILED
    assert "blocked" in n.error


@pytest.mark.django_db
def test_telegram_outage_is_retried_and_then_delivered_once(make_user, telegram_server):
    owner = make_user("tg@example.com", telegram_chat_id=CHAT)
    n = Notification.objects.create(user=owner, title="Pills", channel="telegram")
    telegram_server.failures.extend([502, 502])  # getMe of the first attempt, then the retry's
    now = timezone.now()
    delivery.deliver_due(now)
    n.refresh_from_db()
    assert n.status == "pending" and n.attempts == 1
    delivery.deliver_due(now + timedelta(minutes=2))
    delivery.deliver_due(now + timedelta(minutes=10))
    n.refresh_from_db()
    assert n.status == "sent" and n.attempts == 3
    assert len(telegram_server.calls_to("sendMessage")) == 1


@pytest.mark.django_db
def test_unlinked_user_fails_with_a_clear_reason(user, telegram_server):
    n = Notification.objects.create(user=user, title="Pills", channel="telegram")
    delivery.deliver_due()
    n.refresh_from_db()
    assert n.status == "failed" and "not linked" in n.error
