"""What a letter says should happen next is proposed as a reminder, dated in code from the
document's date, confirmed by the user (issue 24, item 5)."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from chats.models import AssistantAction
from documents import facts, follow_ups, tasks
from notifications.models import Notification
from tests.fakes.anthropic_server import Reply

from .conftest import text_pdf
from .test_pipeline import make_document

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")
TODAY = timezone.localdate()
LETTER_DAY = TODAY - datetime.timedelta(days=10)

LETTER_EN = [
    "Cardiology clinic — letter to the GP",
    f"Date: {LETTER_DAY.isoformat()}",
    "Palpitations; Holter showed occasional ectopic beats.",
    "Plan: repeat Holter in three months. Review in clinic in 6 weeks.",
]
FACTS_EN = {
    "doc_type": "consultation", "document_date": LETTER_DAY.isoformat(),
    "provider": "Cardiology clinic", "summary": "Ectopic beats; repeat Holter.",
    "findings": ["Occasional ectopic beats"], "lab_values": [],
    "follow_ups": [
        {"what": "Repeat Holter monitoring", "when_text": "in three months",
         "due_in_count": 3, "due_in_unit": "months"},
        {"what": "Review in clinic", "when_text": "in 6 weeks",
         "due_in_count": 6, "due_in_unit": "weeks"},
        {"what": "", "when_text": "junk"},
    ],
}
LETTER_RU = [
    "Консультация терапевта",
    "Рекомендовано: контроль ОАК через 2 недели.",
    "Повторный приём через месяц.",
]
FACTS_RU = {
    "doc_type": "consultation", "document_date": None, "provider": "",
    "summary": "Контроль анализов.", "findings": [], "lab_values": [],
    "follow_ups": [
        {"what": "Контроль ОАК", "when_text": "через 2 недели",
         "due_in_count": 2, "due_in_unit": "weeks"},
        {"what": "Повторный приём", "when_text": "через месяц",
         "due_in_count": 1, "due_in_unit": "months"},
    ],
}


def processed(user, lines, name):
    document = make_document(user, text_pdf(lines), "application/pdf", name=name)
    assert tasks.process_document(document.pk) == "completed"
    document.refresh_from_db()
    return document


def proposals(user):
    return list(AssistantAction.objects.filter(user=user, kind="notifications.reminder")
                .order_by("created"))


def test_an_english_letters_follow_ups_are_proposed_then_one_becomes_a_reminder(
    signed_in_client, user, fake_anthropic
):
    user.timezone = "Europe/Moscow"
    user.save()
    fake_anthropic.queue(Reply.tool("record_document", FACTS_EN))
    document = processed(user, LETTER_EN, "cardiology.pdf")
    # The tool the model is made to call asks for the follow-ups.
    [tool] = fake_anthropic.requests[-1]["tools"]
    assert "follow_ups" in tool["input_schema"]["properties"]
    assert "repeat Holter in three months" in json.dumps(
        fake_anthropic.requests[-1]["messages"], ensure_ascii=False)

    holter_day = follow_ups.add_months(LETTER_DAY, 3)
    review_day = LETTER_DAY + datetime.timedelta(weeks=6)
    stored = document.metadata["follow_ups"]
    assert [(item["what"], item["due"], item["basis"]) for item in stored] == [
        ("Repeat Holter monitoring", holter_day.isoformat(), "document"),
        ("Review in clinic", review_day.isoformat(), "document")]

    holter, review = proposals(user)
    assert (holter.state, holter.origin, holter.origin_id) == (
        "proposed", "document", str(document.pk))
    assert datetime.datetime.fromisoformat(holter.payload["at"]) == datetime.datetime.combine(
        holter_day, datetime.time(9), tzinfo=MOSCOW)
    assert holter.summary.startswith("Follow-up on ") and "overdue" not in holter.summary
    assert not Notification.objects.filter(user=user).exists()

    detail = reverse("documents:detail", args=[document.pk])
    page = signed_in_client.get(detail).content.decode()
    assert 'data-testid="follow-ups"' in page
    assert "Repeat Holter monitoring" in page and "“in three months”" in page
    assert page.count('data-state="proposed"') == 2
    assert reverse("chats:action_confirm", args=[holter.pk]) in page
    assert "Overdue" not in page
    # Where the other proposals wait: the activity page and the reminders' suggestions.
    assert "Repeat Holter monitoring" in signed_in_client.get(
        "/settings/activity/?state=proposed").content.decode()
    assert "Repeat Holter monitoring" in signed_in_client.get(
        reverse("notifications:index")).content.decode()

    response = signed_in_client.post(reverse("chats:action_confirm", args=[holter.pk]),
                                     {"next": detail})
    assert response.status_code == 302
    reminder = Notification.objects.get(user=user)
    assert (reminder.title, reminder.status, reminder.recurrence) == (
        "Repeat Holter monitoring", "pending", "")
    assert reminder.scheduled_at == datetime.datetime.combine(holter_day, datetime.time(9),
                                                              tzinfo=MOSCOW)
    assert reminder.metadata["source"] == "document"
    assert "cardiology.pdf" in reminder.body and "in three months" in reminder.body
    holter.refresh_from_db()
    assert (holter.state, holter.target_id) == ("confirmed", str(reminder.pk))

    # Dismissed: no reminder.
    signed_in_client.post(reverse("chats:action_cancel", args=[review.pk]))
    review.refresh_from_db()
    assert review.state == "cancelled"
    assert Notification.objects.filter(user=user).count() == 1

    # Undo removes the reminder the assistant wrote.
    signed_in_client.post(reverse("chats:action_undo", args=[holter.pk]))
    assert not Notification.objects.filter(user=user).exists()

    # Processed again (Reindex): nothing is proposed twice, the dismissed one included.
    fake_anthropic.queue(Reply.tool("record_document", FACTS_EN))
    signed_in_client.post(reverse("documents:reindex", args=[document.pk]))
    assert tasks.process_document(document.pk) == "completed"
    assert not fake_anthropic._queue  # the facts were extracted again
    assert len(proposals(user)) == 2


def test_a_russian_letter_without_a_date_counts_from_the_upload(
    signed_in_client, user, fake_anthropic
):
    fake_anthropic.queue(Reply.tool("record_document", FACTS_RU))
    document = processed(user, LETTER_RU, "терапевт.pdf")
    uploaded = timezone.localtime(document.created, user.zone).date()
    blood, visit = proposals(user)
    assert (blood.payload["due"], blood.payload["basis"]) == (
        (uploaded + datetime.timedelta(weeks=2)).isoformat(), "upload")
    assert visit.payload["due"] == follow_ups.add_months(uploaded, 1).isoformat()
    assert blood.payload["title"] == "Контроль ОАК"

    page = signed_in_client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "Контроль ОАК" in page and "“через 2 недели”" in page
    assert page.count("data-from-upload") == 2

    signed_in_client.post(reverse("chats:action_confirm", args=[visit.pk]))
    reminder = Notification.objects.get(user=user)
    assert reminder.title == "Повторный приём"
    assert timezone.localtime(reminder.scheduled_at, user.zone).time() == datetime.time(9)


def test_a_follow_up_already_past_is_proposed_as_overdue_and_reminds_at_once(
    signed_in_client, user, fake_anthropic
):
    old = datetime.date(2025, 1, 10)
    fake_anthropic.queue(Reply.tool("record_document", {
        **FACTS_RU, "document_date": old.isoformat(),
        "follow_ups": [{"what": "Контроль ОАК", "when_text": "через 2 недели",
                        "due_in_count": 2, "due_in_unit": "weeks"}]}))
    document = processed(user, LETTER_RU, "old.pdf")
    [action] = proposals(user)
    assert action.payload["due"] == "2025-01-24"
    assert "overdue" in action.summary
    page = signed_in_client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "data-overdue" in page

    before = timezone.now()
    signed_in_client.post(reverse("chats:action_confirm", args=[action.pk]))
    action.refresh_from_db()
    assert action.state == "confirmed"
    reminder = Notification.objects.get(user=user)
    assert before - datetime.timedelta(seconds=1) <= reminder.scheduled_at <= timezone.now()


def test_a_printed_date_is_taken_as_printed_and_an_undated_one_only_listed(
    signed_in_client, user, fake_anthropic
):
    due = TODAY + datetime.timedelta(days=40)
    fake_anthropic.queue(Reply.tool("record_document", {
        **FACTS_EN, "follow_ups": [
            {"what": "Echocardiogram", "when_text": f"booked for {due.isoformat()}",
             "due_date": due.isoformat(), "due_in_count": None, "due_in_unit": None},
            {"what": "Stay active", "when_text": None},
        ]}))
    document = processed(user, LETTER_EN, "letter.pdf")
    [action] = proposals(user)
    assert action.payload["due"] == due.isoformat()
    page = signed_in_client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "Stay active" in page and "no date given" in page


def test_the_follow_up_text_is_data_shown_escaped(signed_in_client, user, fake_anthropic):
    planted = '<img src=x onerror="alert(1)">Repeat echo'
    fake_anthropic.queue(Reply.tool("record_document", {
        **FACTS_EN, "follow_ups": [{"what": planted, "when_text": "<b>soon</b>",
                                    "due_in_count": 2, "due_in_unit": "months"}]}))
    document = processed(user, LETTER_EN, "letter.pdf")
    for url in (reverse("documents:detail", args=[document.pk]), "/settings/activity/",
                reverse("notifications:index")):
        page = signed_in_client.get(url).content.decode()
        assert "&lt;img src=x" in page, url
        assert "<img src=x" not in page and "<b>soon</b>" not in page, url


def test_another_user_cannot_confirm_a_follow_up(client, user, other_user, fake_anthropic):
    fake_anthropic.queue(Reply.tool("record_document", FACTS_EN))
    processed(user, LETTER_EN, "cardiology.pdf")
    action = proposals(user)[0]
    client.force_login(other_user)
    assert client.post(reverse("chats:action_confirm", args=[action.pk])).status_code == 404
    assert client.post(reverse("chats:action_cancel", args=[action.pk])).status_code == 404
    action.refresh_from_db()
    assert action.state == "proposed"
    assert not Notification.objects.exists()


def test_extracted_again_after_a_changed_answer_adds_only_the_new_follow_up(
    user, fake_anthropic
):
    fake_anthropic.queue(Reply.tool("record_document", FACTS_EN))
    document = processed(user, LETTER_EN, "cardiology.pdf")
    more = {**FACTS_EN, "follow_ups": [*FACTS_EN["follow_ups"], {
        "what": "Fasting lipids", "when_text": "in a year", "due_in_count": 1,
        "due_in_unit": "years"}]}
    fake_anthropic.queue(Reply.tool("record_document", more))
    facts.extract_facts(document)
    assert [action.payload["title"] for action in proposals(user)] == [
        "Repeat Holter monitoring", "Review in clinic", "Fasting lipids"]
    assert proposals(user)[-1].payload["due"] == follow_ups.add_months(LETTER_DAY, 12).isoformat()


def test_months_end_on_the_last_day_of_a_shorter_month():
    assert follow_ups.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert follow_ups.add_months(datetime.date(2024, 11, 30), 3) == datetime.date(2025, 2, 28)
    assert follow_ups.due_from(datetime.date(2026, 3, 1), {"due_in_count": 10,
                                                           "due_in_unit": "days"}) == \
        datetime.date(2026, 3, 11)
    assert follow_ups.due_from(datetime.date(2026, 3, 1), {"due_in_count": None}) is None
