"""In a real browser: a letter's follow-up waits on its document page; the user confirms
it and the reminder is scheduled, then undoes it."""

import datetime
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django import db
from django.urls import reverse
from playwright.sync_api import expect

from conftest import sign_in
from notifications.models import Notification
from tests.fakes.anthropic_server import Reply

from .test_follow_ups import FACTS_EN, LETTER_DAY, LETTER_EN, processed

pytestmark = pytest.mark.browser


def _in_a_worker(function, *args):
    """Processing runs in a thread of its own, as the worker would: the browser's event
    loop in this thread would make the settings lookups of a model call asynchronous."""
    def run():
        try:
            return function(*args)
        finally:
            db.connection.close()

    with ThreadPoolExecutor(1) as worker:
        return worker.submit(run).result()


def _screenshot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_user_confirms_a_follow_up_on_the_document_page(page, live, user, settings,
                                                          fake_anthropic):
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"
    fake_anthropic.queue(Reply.tool("record_document", FACTS_EN))
    document = _in_a_worker(processed, user, LETTER_EN, "cardiology.pdf")

    sign_in(page, live, user.email)
    page.goto(f"{live.url}/documents/{document.pk}/")
    card = page.get_by_test_id("follow-ups")
    holter = card.locator("[data-follow-up]").filter(has_text="Repeat Holter monitoring")
    expect(holter).to_contain_text("“in three months”")
    expect(holter.locator("[data-state=proposed]")).to_be_visible()
    expect(page.locator("[data-state=proposed]")).to_have_count(2)

    holter.get_by_role("button", name="Confirm").click()
    expect(holter.locator("[data-state=confirmed]")).to_contain_text("Confirmed")
    reminder = Notification.objects.get(user=user)
    assert reminder.title == "Repeat Holter monitoring" and reminder.status == "pending"
    assert reminder.scheduled_at.astimezone(user.zone).time() == datetime.time(9)
    assert reminder.scheduled_at.astimezone(user.zone).date() > LETTER_DAY
    # The other follow-up still waits.
    expect(page.locator("[data-state=proposed]")).to_have_count(1)

    page.goto(f"{live.url}/notifications/")
    expect(page.get_by_text("Repeat Holter monitoring").first).to_be_visible()

    page.goto(f"{live.url}/documents/{document.pk}/")
    holter = page.locator("[data-follow-up]").filter(has_text="Repeat Holter monitoring")
    holter.get_by_role("button", name="Undo").click()
    expect(holter.locator("[data-state=undone]")).to_be_visible()
    assert not Notification.objects.filter(user=user).exists()


@pytest.mark.parametrize(("device", "theme", "language"), [
    ("desktop", "light", "en"), ("desktop", "dark", "en"), ("phone", "light", "en"),
    ("phone", "dark", "en"), ("phone", "light", "ru")])
def test_follow_ups_and_suggested_questions_screenshots(browser, live, user, settings,
                                                        fake_anthropic, device, theme,
                                                        language):
    from chats import actions
    from documents.models import AppointmentQuestion

    settings.MEDIA_ROOT = settings.DATA_DIR / "media"
    user.language = language
    user.save()
    overdue = {**FACTS_EN, "follow_ups": [*FACTS_EN["follow_ups"], {
        "what": "Fasting lipid profile", "when_text": "two weeks after the letter of "
        "1 March 2025", "due_date": "2025-03-15"}]}
    fake_anthropic.queue(Reply.tool("record_document", overdue))
    document = _in_a_worker(processed, user, LETTER_EN, "cardiology-letter.pdf")
    actions.perform(user, "documents.question", {
        "text": "Is the ectopic beat count on the Holter high enough to need treatment?"},
        summary="q")
    actions.propose(user, "documents.question", {
        "text": "Should the repeat Holter be a 7-day recording?"}, summary="q")
    assert AppointmentQuestion.objects.filter(user=user).count() == 1

    options = {"viewport": {"width": 1280, "height": 800}} if device == "desktop" else {
        "viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context = browser.new_context(locale=language, color_scheme=theme, **options)
    page = context.new_page()
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/documents/{document.pk}/")
    card = page.get_by_test_id("follow-ups")
    expect(card.locator("[data-follow-up]")).to_have_count(3)
    expect(card.locator("[data-overdue]")).to_have_count(1)
    _screenshot(page, f"document-follow-ups-{device}-{theme}-{language}")

    page.goto(f"{live.url}{reverse('pdfs:appointment')}")
    expect(page.get_by_test_id("suggested-questions").get_by_role("checkbox")).to_be_checked()
    expect(page.get_by_test_id("waiting-questions")).to_contain_text("7-day recording")
    _screenshot(page, f"appointment-suggested-{device}-{theme}-{language}")
    context.close()
