"""The notification bell in a real browser: a reminder due a few seconds ahead appears in
the open page without a reload; reading it on the list page clears the badge. (Here, not
in notifications/tests: Playwright leaves a running loop that later async tests trip on.)"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import sign_in
from notifications import delivery, reminders

pytestmark = [pytest.mark.browser]


def test_reminder_due_in_seconds_appears_in_the_open_pages_bell(page, live, user):
    sign_in(page, live, user.email)
    bell = page.locator("#bell")
    expect(bell).to_have_attribute("data-live", "true")
    expect(bell).to_have_attribute("data-unread-count", "0")
    expect(page.locator(".bell-badge")).to_be_hidden()

    due = timezone.now() + timedelta(seconds=3)
    reminders.create(user, title="Take vitamin D", scheduled_at=due)
    assert delivery.deliver_due() == 0  # not yet
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.1)
    # This test process plays the worker: another process than the web server.
    assert delivery.deliver_due() == 1

    expect(bell).to_have_attribute("data-unread-count", "1", timeout=10_000)
    expect(page.locator(".bell-badge")).to_have_text("1")
    expect(page.locator(".notification-toast")).to_contain_text("Take vitamin D")


def test_reading_on_the_list_page_clears_the_badge_live(page, live, user):
    for title in ["Check blood pressure", "Drink water"]:
        reminders.create(user, title=title)
    delivery.deliver_due()
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/notifications/")
    expect(page.locator("#bell")).to_have_attribute("data-unread-count", "2")
    page.get_by_role("button", name="Mark as read").first.click()
    expect(page.locator("#bell")).to_have_attribute("data-unread-count", "1", timeout=10_000)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#bell")).to_have_attribute("data-unread-count", "0")
    expect(page.locator(".bell-badge")).to_be_hidden()
