"""Adding a second account and switching back and forth, in a real browser."""

import pytest

from chats.models import Chat
from conftest import sign_in

pytestmark = [pytest.mark.browser]


def test_add_an_account_then_switch_back_and_forth_from_the_header(
    page, live, user, other_user, password
):
    Chat.objects.create(user=user, title="Alice knee pain")
    Chat.objects.create(user=other_user, title="Bob asthma plan")
    sign_in(page, live, user.email)

    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Add another account").click()
    page.get_by_label("Email").fill(other_user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in and add").click()
    page.wait_for_url(f"{live.url}/")
    assert page.get_by_test_id("signed-in-as").inner_text() == "Bob Other"
    assert page.get_by_text("Bob asthma plan").is_visible()
    assert page.get_by_text("Alice knee pain").count() == 0

    for name, shown, hidden in [
        ("Alice Example", "Alice knee pain", "Bob asthma plan"),
        ("Bob Other", "Bob asthma plan", "Alice knee pain"),
    ]:
        page.get_by_role("button", name="Account menu").click()
        # The switch waits for the browser to drop its push subscription first
        # (static/js/pwa.js), then posts: wait for that navigation, not for the URL it
        # already has.
        with page.expect_navigation(url=f"{live.url}/"):
            page.get_by_test_id("switch-to").click()  # the one other account
        assert page.get_by_test_id("signed-in-as").inner_text() == name
        assert page.get_by_text(shown).is_visible()
        assert page.get_by_text(hidden).count() == 0
