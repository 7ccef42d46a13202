"""Adherence: a dose is answered once from the page, the in-app reminder, a one-click email
link (real SMTP) or a Telegram button (the real python-telegram-bot against the fake Bot
API); an unanswered dose becomes missed and the user is nudged."""

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from memory import doses, medications
from memory.adherence import adherence
from memory.models import DoseEvent, Medication
from notifications import delivery, dose_answers
from notifications.models import Notification
from telegram_bot.bot import build_application

CHAT = 555077


def make_medication(user, **fields):
    fields.setdefault("name", "Metformin")
    fields.setdefault("strength", "500 mg")
    fields.setdefault("times", ["08:00", "20:00"])
    return medications.save(Medication(user=user, **fields))


def due_reminder(pill, channel="in_app"):
    """The first reminder of the medication, made due now and sent on `channel`."""
    reminder = Notification.objects.filter(metadata__medication=str(pill.pk)).order_by(
        "scheduled_at").first()
    dose_at = reminder.scheduled_at
    Notification.objects.filter(pk=reminder.pk).update(channel=channel)
    assert delivery.deliver_due(now=dose_at + timedelta(seconds=5)) == 1
    reminder.refresh_from_db()
    return reminder, dose_at


@pytest.mark.django_db
def test_page_records_a_dose_and_may_correct_it(signed_in_client, user):
    pill = make_medication(user, times=["00:00", "23:59"])
    page = signed_in_client.get(reverse("memory:medication", args=[pill.pk])).content.decode()
    first = re.search(r'name="scheduled_for" value="([^"]+)"', page).group(1)
    url = reverse("memory:dose_record", args=[pill.pk])
    assert signed_in_client.post(url, {"scheduled_for": first, "state": "taken"}).status_code == 302
    [event] = DoseEvent.objects.all()
    assert (event.state, event.via) == ("taken", "page")
    signed_in_client.post(url, {"scheduled_for": first, "state": "skipped"})
    event.refresh_from_db()
    assert event.state == "skipped" and DoseEvent.objects.count() == 1
    # A made-up dose time or answer is refused with a 400, not recorded.
    assert signed_in_client.post(url, {"scheduled_for": "2020-01-01T08:00:00+00:00",
                                       "state": "taken"}).status_code == 400
    assert signed_in_client.post(url, {"scheduled_for": first,
                                       "state": "missed"}).status_code == 400
    assert DoseEvent.objects.count() == 1


@pytest.mark.django_db
def test_in_app_taken_records_the_dose_once(signed_in_client, user):
    pill = make_medication(user)
    reminder, dose_at = due_reminder(pill)
    url = reverse("notifications:dose_answer", args=[reminder.pk, "taken"])
    response = signed_in_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'data-testid="dose-badge"' in response.content.decode()
    event = DoseEvent.objects.get()
    assert (event.medication, event.scheduled_for, event.state, event.via) == (
        pill, dose_at, "taken", "in_app")
    reminder.refresh_from_db()
    assert reminder.status == "read" and reminder.metadata["dose_state"] == "taken"
    signed_in_client.post(reverse("notifications:dose_answer", args=[reminder.pk, "skip"]))
    event.refresh_from_db()
    assert event.state == "taken" and DoseEvent.objects.count() == 1


@pytest.mark.django_db
def test_in_app_answer_cannot_touch_another_users_reminder(client, user, other_user):
    reminder, _dose_at = due_reminder(make_medication(user))
    client.force_login(other_user)
    assert client.post(reverse("notifications:dose_answer", args=[reminder.pk, "taken"])).status_code \
        == 404
    assert not DoseEvent.objects.exists()


@pytest.mark.django_db
def test_one_click_email_link_records_once_without_sign_in(client, make_user, smtp_server,
                                                           settings):
    settings.SITE_URL = "https://health.example.org"
    owner = make_user("dora@example.com")
    pill = make_medication(owner)
    _reminder, dose_at = due_reminder(pill, channel="email")
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    links = dict(re.findall(r"^(Taken|Skip|Snooze 1 h): (https://\S+)\r?$", text, re.MULTILINE))
    assert set(links) == {"Taken", "Skip", "Snooze 1 h"}
    assert links["Taken"] in html.replace("&amp;", "&")
    path = links["Taken"].removeprefix("https://health.example.org")

    # Opening the link (as a mail scanner or a link preview does) only asks; nobody is signed in
    opened = client.get(path)
    assert opened.status_code == 200 and "Mark as taken" in opened.content.decode()
    assert client.head(path).status_code == 200
    assert not DoseEvent.objects.exists()

    first = client.post(path)  # the page's button
    assert first.status_code == 200 and "Recorded as taken." in first.content.decode()
    event = DoseEvent.objects.get()
    assert (event.scheduled_for, event.state, event.via) == (dose_at, "taken", "email")
    set_at = event.set_at

    again = client.post(path)
    assert again.status_code == 200 and "already recorded as taken" in again.content.decode()
    skip = client.post(links["Skip"].removeprefix("https://health.example.org"))
    assert "nothing changed" in skip.content.decode()
    event.refresh_from_db()
    assert event.state == "taken" and event.set_at == set_at and DoseEvent.objects.count() == 1


@pytest.mark.django_db
def test_forged_or_expired_email_link_does_nothing(client, user, settings):
    from notifications.dose_links import make_token

    reminder, _dose_at = due_reminder(make_medication(user))
    token = make_token(reminder, "taken")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(reverse("notifications:dose_link", args=[forged]))
    assert response.status_code == 400 and "not valid or has expired" in response.content.decode()
    future = timezone.now() + timedelta(days=4)
    from unittest import mock  # the clock only: signing reads time.time()

    with mock.patch("django.core.signing.time.time", return_value=future.timestamp()):
        assert client.post(reverse("notifications:dose_link", args=[token])).status_code == 400
    assert not DoseEvent.objects.exists()


@pytest.mark.django_db
def test_snooze_sends_the_reminder_again_for_the_same_dose(user):
    pill = make_medication(user)
    reminder, dose_at = due_reminder(pill)
    assert dose_answers.answer(reminder, "snooze", "in_app").changed
    again = Notification.objects.get(user=user, metadata__snoozed_from=str(reminder.pk))
    assert again.recurrence == "" and dose_answers.dose_time(again) == dose_at
    assert not dose_answers.answer(reminder, "snooze", "in_app").changed  # once
    assert dose_answers.answer(again, "taken", "in_app").changed
    assert DoseEvent.objects.get().state == "taken"


async def _run_bot(server, until):
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


@pytest.mark.django_db(transaction=True)
async def test_taken_on_telegram_records_the_dose_once(make_user, telegram_server):
    from asgiref.sync import sync_to_async

    owner = await sync_to_async(make_user)("tg@example.com", telegram_chat_id=CHAT)
    pill = await sync_to_async(make_medication)(owner)
    reminder, dose_at = await sync_to_async(due_reminder)(pill, "telegram")
    [sent] = telegram_server.calls_to("sendMessage")
    buttons = sent["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == [
        f"dose:taken:{reminder.pk}", f"dose:skip:{reminder.pk}", f"dose:snooze:{reminder.pk}"]
    assert "Taken" in buttons[0]["text"] and "Skip" in buttons[1]["text"]
    message = {"message_id": sent.get("message_id", 1), "date": 0,
               "chat": {"id": CHAT, "type": "private"}, "text": sent["text"]}
    telegram_server.press_button(CHAT, message, f"dose:taken:{reminder.pk}")
    telegram_server.press_button(CHAT, message, f"dose:taken:{reminder.pk}")

    async def answered():
        return len(telegram_server.calls_to("answerCallbackQuery")) >= 2

    await _run_bot(telegram_server, answered)
    answers = [c["text"] for c in telegram_server.calls_to("answerCallbackQuery")]
    assert answers[0] == "Recorded as taken."
    assert "already recorded as taken" in answers[1]
    assert len(telegram_server.calls_to("editMessageText")) == 1  # only the press that acted
    event = await DoseEvent.objects.aget()
    assert (event.scheduled_for, event.state, event.via) == (dose_at, "taken", "telegram")


@pytest.mark.django_db
def test_unanswered_dose_becomes_missed_and_the_user_is_nudged(make_user):
    owner = make_user("dora@example.com", timezone="Europe/Moscow")
    pill = make_medication(owner)
    Medication.objects.filter(pk=pill.pk).update(created=datetime(2026, 3, 2, tzinfo=UTC))
    pill.refresh_from_db()
    morning = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 08:00 in Moscow
    evening = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    doses.record(pill, morning - timedelta(days=1), "taken", "page")  # answered: stays
    # The morning dose may be answered until the evening one is due.
    assert doses.sweep(now=evening - timedelta(minutes=1)) == {}
    assert not DoseEvent.objects.filter(scheduled_for=morning).exists()
    swept = doses.sweep(now=evening + timedelta(minutes=1))
    [event] = swept[owner]
    assert (event.scheduled_for, event.state, event.via) == (morning, "missed", "sweep")
    assert not DoseEvent.objects.filter(scheduled_for=evening).exists()
    # The evening dose is due by the end of its day (midnight in Moscow, 21:00 UTC).
    doses.sweep(now=datetime(2026, 3, 2, 20, 59, tzinfo=UTC))
    assert not DoseEvent.objects.filter(scheduled_for=evening).exists()
    doses.sweep(now=datetime(2026, 3, 2, 21, 1, tzinfo=UTC))
    assert DoseEvent.objects.get(scheduled_for=evening).state == "missed"
    assert DoseEvent.objects.get(scheduled_for=morning - timedelta(days=1)).state == "taken"
    nudges = Notification.objects.filter(user=owner, metadata__kind="missed_doses")
    assert nudges.count() >= 2 and nudges.first().channel == "in_app"
    assert "Metformin 500 mg" in nudges.order_by("created").first().title
    # A missed dose answered later from a reminder counts as taken.
    assert doses.record(pill, morning, "taken", "telegram").changed


@pytest.mark.django_db
def test_adherence_counts_the_last_30_days(user):
    pill = make_medication(user, times=["08:00"])
    now = timezone.now()
    today_8 = now.replace(hour=8, minute=0, second=0, microsecond=0)
    Medication.objects.filter(pk=pill.pk).update(created=today_8 - timedelta(days=5, minutes=1))
    pill.refresh_from_db()
    for days_ago, state in [(1, "taken"), (2, "taken"), (3, "missed"), (4, "skipped")]:
        doses.record(pill, today_8 - timedelta(days=days_ago), state, "page")
    result = adherence(pill, now=now)
    # Five days ago nobody answered and the sweep has not run: still a missed dose.
    assert (result.taken, result.missed, result.skipped, result.percent) == (2, 2, 1, 40)
    assert len(result.days) == 30
    assert [day.summary for day in result.days[-6:-1]] == [
        "missed", "skipped", "missed", "taken", "taken"]
    assert {day.summary for day in result.days[:-6]} == {"none"}


@pytest.mark.django_db
def test_russian_user_gets_russian_dose_buttons_and_links(make_user, smtp_server,
                                                          telegram_server):
    from notifications.messages import telegram_text

    ivan = make_user("ivan@example.com", language="ru", telegram_chat_id=CHAT)
    pill = make_medication(ivan, name="Метформин")
    reminder, _dose_at = due_reminder(pill, channel="email")
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "Пора принять Метформин 500 mg" in text
    assert "Принял(а): http" in text and "Пропустить: http" in text
    _text, buttons = telegram_text(reminder)
    assert [label for label, _data in buttons] == ["✅ Принял(а)", "⏭ Пропустить",
                                                   "⏰ Отложить на 1 ч"]


@pytest.mark.django_db
def test_took_a_dose_now_answers_the_nearest_scheduled_dose(user):
    pill = make_medication(user, times=["08:00", "20:00"])
    Medication.objects.filter(pk=pill.pk).update(created=timezone.now() - timedelta(days=2))
    pill.refresh_from_db()
    eight = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    outcome = doses.take_now(pill, "page", now=eight + timedelta(minutes=25))
    assert outcome.changed and outcome.event.scheduled_for == eight
    # Far from any dose (as-needed style): an extra dose at that moment.
    extra = doses.take_now(pill, "page", now=eight + timedelta(hours=5))
    assert extra.event.scheduled_for == eight + timedelta(hours=5)
    assert DoseEvent.objects.filter(state="taken").count() == 2


@pytest.mark.django_db
def test_a_past_days_missed_dose_is_corrected_from_that_days_list(signed_in_client, user):
    pill = make_medication(user, times=["08:00"])
    Medication.objects.filter(pk=pill.pk).update(created=timezone.now() - timedelta(days=10))
    pill.refresh_from_db()
    doses.sweep()  # the last two days' doses become missed
    three_days_ago = timezone.localdate() - timedelta(days=3)
    page = signed_in_client.get(reverse("memory:medication", args=[pill.pk]),
                                {"day": three_days_ago.isoformat()}).content.decode()
    assert 'data-state="open"' in page or 'data-state="missed"' in page
    when = re.search(r'name="scheduled_for" value="([^"]+)"', page).group(1)
    assert when.startswith(three_days_ago.isoformat())
    url = reverse("memory:dose_record", args=[pill.pk])
    response = signed_in_client.post(url, {"scheduled_for": when, "state": "taken"})
    assert response.status_code == 302 and response.url.endswith(f"?day={three_days_ago}")
    event = DoseEvent.objects.get(medication=pill, state="taken")
    assert event.scheduled_for.date() == three_days_ago
    page = signed_in_client.get(response.url).content.decode()
    assert 'data-state="taken"' in page
    # The 30-day strip links each day to its doses.
    assert f'href="?day={three_days_ago}"' in page
    # Before the medication existed, and in the future, there is nothing to answer.
    long_ago = (timezone.now() - timedelta(days=40)).replace(microsecond=0).isoformat()
    assert signed_in_client.post(url, {"scheduled_for": long_ago,
                                       "state": "taken"}).status_code == 400
    assert signed_in_client.post(url, {"scheduled_for": "2026-13-45T08:00:00+00:00",
                                       "state": "taken"}).status_code == 400
    tomorrow = signed_in_client.get(reverse("memory:medication", args=[pill.pk]), {
        "day": (timezone.localdate() + timedelta(days=1)).isoformat()}).content.decode()
    assert "Today" in tomorrow
