"""Confirm cards in a real browser: a proposal arrives over the socket, Confirm swaps the
card in place, and the activity page shows it; screenshots when SCREENSHOTS is set."""

import os
import re

import pytest
from playwright.sync_api import expect

from chats.models import AssistantAction
from memory.models import MemoryEntry
from tests.fakes.anthropic_server import Reply

pytestmark = [pytest.mark.browser]

SHOTS = os.environ.get("SCREENSHOTS", "")
VIEWS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def shoot(page, name):
    if not SHOTS:
        return
    for view, size in VIEWS.items():
        page.set_viewport_size(size)
        page.reload()  # as a phone would load it (the sidebar closed)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_timeout(400)  # let the theme's colour transitions finish
            page.screenshot(path=f"{SHOTS}/{name}-{view}-{scheme}.png", full_page=True)
    page.set_viewport_size(VIEWS["desktop"])
    page.emulate_media(color_scheme="light")
    page.reload()


def test_a_proposal_is_confirmed_from_its_card_and_listed(signed_in_page, live, fake_anthropic,
                                                          user):
    page = signed_in_page
    fake_anthropic.queue(
        Reply.tool("save_memory", {"title": "Penicillin allergy", "category": "allergy",
                                   "importance": "critical", "content": "Rash in 2019."},
                   text="I'll note that."),
        Reply.tool("schedule_notification", {"title": "Take vitamin D", "in_minutes": 30,
                                             "channel": "in_app"}),
        Reply.tool("schedule_notification", {"title": "Blood test", "recurrence": "0 9 * * 1",
                                             "channel": "email"}),
        Reply.text("Saved the reminder; the allergy and the weekly email wait for you."),
    )
    page.goto(f"{live.url}/chats/")
    page.get_by_role("button", name="New chat").click()
    page.wait_for_url(re.compile(r"/chats/[0-9a-f-]{36}/$"))
    box = page.locator("textarea[name=content]")
    box.fill("I'm allergic to penicillin; remind me about vitamin D and a weekly blood test.")
    box.press("Enter")

    answer = page.locator("article[data-role=assistant]")
    expect(answer).to_have_attribute("data-status", "done", timeout=20_000)
    cards = answer.locator(".action-card")
    expect(cards).to_have_count(3)
    expect(answer.locator(".action-card[data-state=proposed]")).to_have_count(2)
    expect(answer).to_contain_text("Reminder set for")
    expect(answer.locator("details.tool-card summary").first).to_contain_text("Memory")
    shoot(page, "chat-cards")

    allergy = answer.locator(".action-card[data-state=proposed]").first
    allergy.get_by_role("button", name="Confirm").click()
    expect(answer.locator(".action-card[data-state=confirmed]")).to_have_count(1)
    expect(answer.locator(".action-card[data-state=proposed]")).to_have_count(1)
    assert MemoryEntry.objects.get(user=user).importance == "critical"
    answer.locator(".action-card[data-state=proposed]").get_by_role("button", name="Cancel").click()
    expect(answer.locator(".action-card[data-state=cancelled]")).to_have_count(1)

    page.goto(f"{live.url}/settings/")
    page.get_by_role("link", name="Assistant activity").click()
    page.wait_for_url(f"{live.url}/settings/activity/")
    rows = page.locator("#activity-list > li")
    expect(rows).to_have_count(3)
    shoot(page, "activity")
    undo = page.locator("#activity-list > li[data-kind='memory.save']")
    undo.get_by_role("button", name="Undo").click()
    expect(page.locator("#activity-list > li[data-state=undone]")).to_have_count(1)
    assert not MemoryEntry.objects.filter(user=user).exists()
    assert AssistantAction.objects.filter(user=user, state="undone").count() == 1
