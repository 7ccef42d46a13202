"""Copy, Regenerate and Edit on chat messages, in a real browser against daphne and the
fake model: the old answer stays browsable; Regenerate sits on the last answer only, Edit
on every question (editing makes a branch: test_browser_branches.py)."""

import re

import pytest
from playwright.sync_api import expect

from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

pytestmark = [pytest.mark.browser]


def test_copy_regenerate_and_edit_the_last_exchange(signed_in_page, live, fake_anthropic, user,
                                                    browser_context):
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page = signed_in_page
    chat = Chat.objects.create(user=user, title="Iron")
    Message.objects.create(chat=chat, role="user", content="Older question")
    Message.objects.create(chat=chat, role="assistant", content="Older answer",
                           metadata={"status": "done"})
    fake_anthropic.queue(Reply.text("First **answer**."))
    page.goto(f"{live.url}/chats/{chat.pk}/")
    page.locator("textarea[name=content]").fill("Is ferritin 12 low?")
    page.locator("textarea[name=content]").press("Enter")
    answer = page.locator("article[data-role=assistant]").last
    expect(answer).to_contain_text("First answer.")
    expect(answer).to_have_attribute("data-status", "done")

    # Only the last answer offers Regenerate; every question offers Edit.
    expect(page.get_by_role("button", name="Regenerate")).to_have_count(1)
    expect(page.get_by_role("button", name="Edit")).to_have_count(2)
    expect(page.locator("article[data-role=user]").last.get_by_role("button", name="Edit")).to_be_visible()

    answer.get_by_role("button", name="Copy").click()
    expect(answer.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "First **answer**."

    fake_anthropic.queue(Reply.text("Second answer."))
    with page.expect_response(lambda r: "/regenerate/" in r.url) as posted:
        answer.get_by_role("button", name="Regenerate").click()
    assert posted.value.status == 200, posted.value.text()
    expect(answer).to_contain_text("Second answer.")
    expect(answer).to_have_attribute("data-status", "done")
    expect(page.locator("article[data-role=assistant]")).to_have_count(2)
    answer.get_by_text("1 earlier version").click()
    expect(answer.locator("[data-version='1']")).to_contain_text("First answer.")

    fake_anthropic.queue(Reply.text("About B12."))
    question = page.locator("article[data-role=user]").last
    question.get_by_role("button", name="Edit").click()
    question.locator("form.message-editor textarea").fill("Is B12 of 150 low?")
    question.get_by_role("button", name="Send the edited question").click()
    # A new version of the question and its own answer; the old ones are a branch (‹ 2 / 2 ›).
    question = page.locator("article[data-role=user]").last
    answer = page.locator("article[data-role=assistant]").last
    expect(question.locator(".message-text")).to_have_text("Is B12 of 150 low?")
    expect(answer).to_contain_text("About B12.")
    expect(answer).to_have_attribute("data-status", "done")
    expect(question.locator(".message-branch")).to_contain_text("2 / 2")
    expect(page.get_by_text("Second answer.")).to_have_count(0)
    page.reload()
    expect(page.locator("article[data-role=user]").last.locator(".message-branch")).to_contain_text("2 / 2")
    assert re.search("Older answer", page.content())
