"""The chat in a real browser against daphne and the fake model: stream, reload, finish."""

import re

import pytest
from playwright.sync_api import expect

from chats.models import Message
from tests.fakes.anthropic_server import Reply

pytestmark = [pytest.mark.browser]

ANSWER = "Drink water regularly. " * 40


def test_answer_streams_survives_a_reload_and_is_saved(signed_in_page, live, fake_anthropic):
    page = signed_in_page
    fake_anthropic.queue(Reply.text(ANSWER, delay=0.03, chunk_size=4))  # ~7 s of streaming
    page.goto(f"{live.url}/chats/")
    page.get_by_role("button", name="New chat").click()
    page.wait_for_url(re.compile(r"/chats/[0-9a-f-]{36}/$"))

    box = page.locator("textarea[name=content]")
    box.fill("How much")
    box.press("Shift+Enter")  # a new line, not a send
    box.press_sequentially("water?")
    expect(box).to_have_value("How much\nwater?")
    box.press("Enter")
    expect(box).to_have_value("")

    answer = page.locator("article[data-role=assistant]")
    expect(answer).to_contain_text("Drink water regularly.")
    expect(answer).to_have_attribute("data-status", "streaming")
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    partial = answer.inner_text().count("Drink water")
    assert partial < 40, "the answer arrives piece by piece"

    page.reload()  # mid-answer: what arrived is there, and the rest keeps coming
    expect(answer).to_contain_text("Drink water regularly.")
    expect(answer).to_have_attribute("data-status", "done", timeout=20_000)
    assert answer.inner_text().count("Drink water regularly.") == 40
    expect(page.locator("article[data-role=user] .message-text")).to_have_text("How much\nwater?")
    expect(page.locator("#chat-title")).to_have_text("How much water?")

    saved = Message.objects.get(role="assistant")
    assert saved.content == ANSWER.strip() or saved.content == ANSWER
    assert saved.metadata["status"] == "done"
