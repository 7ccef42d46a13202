"""The bot: linking, Done and Snooze, the command — the real python-telegram-bot
against the local fake Bot API (tests/fakes/telegram_server.py)."""

import asyncio
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from notifications import delivery
from notifications.models import Notification
from telegram_bot import linking
from telegram_bot.bot import build_application

CHAT = 555001


async def _run_bot(server, until):
    """Runs the real Application with long polling until `until()` is true."""
    application = build_application(server.token)
    async with application:
        await application.updater.start_polling(poll_interval=0.05, timeout=1)
        await application.start()
        try:
            for _ in range(200):
                if await until():
                    break
                await asyncio.sleep(0.05)
        finally:
            await application.updater.stop()
            await application.stop()


def _replies(server):
    return [c["text"] for c in server.calls_to("sendMessage")]


@pytest.mark.django_db(transaction=True)
async def test_start_with_code_links_the_chat_and_stop_unlinks(user, telegram_server):
    from asgiref.sync import sync_to_async

    code = await sync_to_async(linking.new_link_code)(user)
    telegram_server.send_text(CHAT, f"/start {code.code}")

    async def replied(count=1):
        return len(telegram_server.calls_to("sendMessage")) >= count

    await _run_bot(telegram_server, replied)
    await user.arefresh_from_db()
    assert user.telegram_chat_id == CHAT
    assert "Linked to alice@example.com" in _replies(telegram_server)[0]

    # The code was spent: using it again from another chat links nothing.
    telegram_server.send_text(CHAT + 1, f"/start {code.code}")
    telegram_server.send_text(CHAT, "/stop")
    await _run_bot(telegram_server, lambda: replied(3))
    replies = _replies(telegram_server)
    assert "not valid or has expired" in replies[1]
    assert "Unlinked" in replies[2]
    await user.arefresh_from_db()
    assert user.telegram_chat_id is None


@pytest.mark.django_db(transaction=True)
async def test_expired_code_does_not_link_and_answers_in_telegram_language(user, telegram_server):
    from asgiref.sync import sync_to_async

    code = await sync_to_async(linking.new_link_code)(user)
    code.expires_at = timezone.now() - timedelta(seconds=1)
    await code.asave()
    telegram_server.send_text(CHAT, f"/start {code.code}", language="ru")

    async def replied():
        return bool(telegram_server.calls_to("sendMessage"))

    await _run_bot(telegram_server, replied)
    assert "недействителен" in _replies(telegram_server)[0]
    await user.arefresh_from_db()
    assert user.telegram_chat_id is None


@pytest.mark.django_db(transaction=True)
async def test_done_button_is_recorded_and_snooze_reschedules(make_user, telegram_server):
    from asgiref.sync import sync_to_async

    owner = await sync_to_async(make_user)("tg@example.com", telegram_chat_id=CHAT, language="ru")
    pill = await Notification.objects.acreate(user=owner, title="Бисопролол", channel="telegram")
    walk = await Notification.objects.acreate(user=owner, title="Прогулка", channel="telegram")
    await sync_to_async(delivery.deliver_due)()
    shown = {m["text"].splitlines()[0]: m for m in telegram_server.shown(CHAT)}
    assert len(shown) == 2
    for title, data in (("Бисопролол", f"done:{pill.pk}"), ("Прогулка", f"snooze:{walk.pk}")):
        message = next(m for first, m in shown.items() if title in first)
        telegram_server.press_button(CHAT, {k: v for k, v in message.items() if k != "sent"},
                                     data)

    async def answered():
        return len(telegram_server.calls_to("answerCallbackQuery")) >= 2 and len(
            telegram_server.calls_to("editMessageText")) >= 2

    await _run_bot(telegram_server, answered)
    answers = [c["text"] for c in telegram_server.calls_to("answerCallbackQuery")]
    assert answers == ["Отмечено как выполненное.", "Отложено на 1 час."]
    await pill.arefresh_from_db()
    assert pill.metadata.get("done_at") and pill.status == "read"
    snoozed = await Notification.objects.aget(user=owner, status="pending")
    assert snoozed.title == "Прогулка"
    assert timedelta(minutes=59) < snoozed.scheduled_at - timezone.now() <= timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
async def test_buttons_cannot_touch_another_users_notification(make_user, telegram_server):
    from asgiref.sync import sync_to_async

    await sync_to_async(make_user)("tg@example.com", telegram_chat_id=CHAT)
    stranger = await sync_to_async(make_user)("eve@example.com")
    theirs = await Notification.objects.acreate(user=stranger, title="Private", status="sent")
    message = {"message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private"}, "text": "x"}
    telegram_server.press_button(CHAT, message, f"done:{theirs.pk}")

    async def answered():
        return bool(telegram_server.calls_to("answerCallbackQuery"))

    await _run_bot(telegram_server, answered)
    assert telegram_server.calls_to("answerCallbackQuery")[0]["text"] == (
        "This reminder is not available.")
    await theirs.arefresh_from_db()
    assert "done_at" not in theirs.metadata and theirs.status == "sent"


def _manage(*args, env_extra=None):
    import os

    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "manage.py", "telegram_bot", *args], env=env,
                          cwd=django_settings.BASE_DIR, capture_output=True, timeout=60)


def test_check_token_exits_zero_only_with_a_token():
    with_token = _manage("--check-token", env_extra={"TELEGRAM_BOT_TOKEN": "1:abc"})
    without = _manage("--check-token", env_extra={"TELEGRAM_BOT_TOKEN": ""})
    assert with_token.returncode == 0, with_token.stderr
    assert without.returncode == 1


@pytest.mark.django_db(transaction=True)
async def test_every_bot_message_goes_out_without_link_preview(make_user, user, telegram_server):
    """With previews on, Telegram's servers fetch the first link of a message by themselves:
    a link the model wrote (`…?d=<data>`) would carry data out without a click."""
    from asgiref.sync import sync_to_async

    owner = await sync_to_async(make_user)("tg@example.com", telegram_chat_id=CHAT)
    pill = await Notification.objects.acreate(
        user=owner, title="Take bisoprolol", channel="telegram",
        body="See https://attacker.example/x?d=ferritin-12")
    await sync_to_async(delivery.deliver_due)()  # the worker's path
    [reminder] = telegram_server.shown(CHAT)
    telegram_server.press_button(CHAT, {k: v for k, v in reminder.items() if k != "sent"},
                                 f"done:{pill.pk}")
    code = await sync_to_async(linking.new_link_code)(user)
    telegram_server.send_text(CHAT + 1, f"/start {code.code}")  # a reply of the bot

    async def answered():
        return bool(telegram_server.calls_to("editMessageText")) and len(
            telegram_server.calls_to("sendMessage")) >= 2

    await _run_bot(telegram_server, answered)
    calls = telegram_server.calls_to("sendMessage") + telegram_server.calls_to("editMessageText")
    assert len(calls) == 3
    assert all(call["link_preview_options"] == {"is_disabled": True} for call in calls)
    assert telegram_server.with_previews() == []


@pytest.mark.django_db(transaction=True)
async def test_start_in_a_group_is_refused_and_links_nothing(user, telegram_server):
    from asgiref.sync import sync_to_async

    code = await sync_to_async(linking.new_link_code)(user)
    group = -100200300
    telegram_server.send_text(group, f"/start {code.code}", chat_type="supergroup")

    async def replied():
        return bool(telegram_server.calls_to("sendMessage"))

    await _run_bot(telegram_server, replied)
    [reply] = telegram_server.calls_to("sendMessage")
    assert int(reply["chat_id"]) == group
    assert "only in a private chat" in reply["text"]
    await user.arefresh_from_db()
    assert user.telegram_chat_id is None
    assert await sync_to_async(linking.link_code_owner)(code.code) == user, "code not spent"


async def _relink_question(make_user, telegram_server):
    """Alice's chat; Bob's link code sent in it: the bot asks before moving it."""
    from asgiref.sync import sync_to_async

    alice = await sync_to_async(make_user)("alice@example.com", telegram_chat_id=CHAT)
    bob = await sync_to_async(make_user)("bob@example.com")
    code = await sync_to_async(linking.new_link_code)(bob)
    telegram_server.send_text(CHAT, f"/start {code.code}")

    async def asked():
        return bool(telegram_server.calls_to("sendMessage"))

    await _run_bot(telegram_server, asked)
    [question] = telegram_server.shown(CHAT)
    assert "linked to alice@example.com" in question["text"]
    assert "bob@example.com" in question["text"]
    buttons = question["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Confirm", "Cancel"]
    await alice.arefresh_from_db()
    assert alice.telegram_chat_id == CHAT, "nothing moves before the answer"
    return alice, bob, question


async def _press(telegram_server, question, label):
    button = next(b for b in question["reply_markup"]["inline_keyboard"][0]
                  if b["text"] == label)
    telegram_server.press_button(CHAT, {k: v for k, v in question.items() if k != "sent"},
                                 button["callback_data"])

    async def answered():
        return bool(telegram_server.calls_to("editMessageText"))

    await _run_bot(telegram_server, answered)
    return telegram_server.calls_to("editMessageText")[0]["text"]


@pytest.mark.django_db(transaction=True)
async def test_a_linked_chat_moves_only_after_confirm_and_the_previous_account_is_told(
        make_user, telegram_server):
    alice, bob, question = await _relink_question(make_user, telegram_server)
    answer = await _press(telegram_server, question, "Confirm")
    assert "Linked to bob@example.com" in answer
    await alice.arefresh_from_db()
    await bob.arefresh_from_db()
    assert (alice.telegram_chat_id, bob.telegram_chat_id) == (None, CHAT)
    told = [n async for n in Notification.objects.filter(user=alice)]
    assert [n.title for n in told] == ["Telegram is no longer linked"]
    assert told[0].channel == "in_app"
    assert not await Notification.objects.filter(user=bob).aexists()


@pytest.mark.django_db(transaction=True)
async def test_cancel_keeps_the_chat_and_spends_the_code(make_user, telegram_server):
    from asgiref.sync import sync_to_async

    alice, _bob, question = await _relink_question(make_user, telegram_server)
    answer = await _press(telegram_server, question, "Cancel")
    assert "stays linked to alice@example.com" in answer
    await alice.arefresh_from_db()
    assert alice.telegram_chat_id == CHAT
    assert not await Notification.objects.filter(user=alice).aexists()
    code = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":", 1)[1]
    assert await sync_to_async(linking.link_code_owner)(code) is None
