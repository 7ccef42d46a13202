"""The installable app and the devices section of the settings in a real browser: the
service worker installs and shows the offline page with no network; push and the calendar
address on the notification preferences page (desktop and phone). Screenshots go to
$SCREENSHOT_DIR when it is set."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import sign_in
from notifications import calendar_feed

pytestmark = [pytest.mark.browser]


def _screenshot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_installed_worker_shows_the_offline_page_without_network(browser_context, live, user):
    page = browser_context.new_page()
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/notifications/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now the page is controlled by the worker
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
    browser_context.set_offline(True)
    try:
        page.locator("#offline-banner").wait_for(state="visible")
        page.goto(f"{live.url}/documents/")
        assert page.get_by_test_id("offline").is_visible()
        assert page.get_by_role("heading", name="You are offline").is_visible()
        # The stylesheet comes from the worker's cache: the page is styled.
        assert page.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius"
                             ) not in ("", "0px")
    finally:
        browser_context.set_offline(False)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_push_and_calendar_section_of_the_preferences(browser, live, user, device):
    options = {"viewport": {"width": 1280, "height": 900}} if device == "desktop" else {
        "viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context = browser.new_context(locale="en-US", **options)
    context.grant_permissions(["notifications", "clipboard-read", "clipboard-write"],
                              origin=live.url)
    page = context.new_page()
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/notifications/preferences/")

    push = page.locator("#push")
    expect(push.get_by_role("switch")).to_be_enabled()  # the worker is ready, permission given
    expect(push.locator("[data-push-status]")).to_have_text(
        "This browser does not receive push notifications.")
    expect(page.locator("select[name=reminder_channel] option[value=push]")).to_have_text(
        "Push to my devices")

    page.get_by_role("button", name="Create a calendar address").click()
    address = page.get_by_test_id("calendar-url")
    feed = calendar_feed.current(user)
    assert address.input_value().endswith(f"/calendar/{calendar_feed.token_for(feed)}.ics")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    if device == "desktop":
        assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    page.locator("#push").scroll_into_view_if_needed()
    _screenshot(page, f"preferences-devices-{device}")

    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("button", name="Create a calendar address")).to_be_visible()
    assert calendar_feed.current(user) is None
    context.close()


def test_signing_out_from_the_menu_drops_this_browsers_push_and_signs_out(
        browser_context, live, user):
    """pwa.js holds the sign-out form until the browser's push subscription is dropped
    (headless Chromium cannot subscribe without a vendor's push service, so here it has
    none to drop): the form must still go through, and Back shows no page of the account
    (no-store)."""
    page = browser_context.new_page()
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/memory/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url(lambda url: "/memory/" not in url)
    page.go_back()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url or page.locator("input[name=password]").count()
