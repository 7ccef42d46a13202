"""Editing an earlier question in a real browser against daphne and the fake model: the new
answer streams in place of what followed, and ‹ › switch between the two versions and
their continuations. Screenshots when SCREENSHOTS is set."""

import pytest
from playwright.sync_api import expect

from chats.models import Chat, Message
from chats.tests.test_browser_actions import shoot
from tests.fakes.anthropic_server import Reply

pytestmark = [pytest.mark.browser]


def test_editing_an_earlier_question_and_switching_back(signed_in_page, live, fake_anthropic,
                                                        user):
    page = signed_in_page
    chat = Chat.objects.create(user=user, title="Iron and B12")
    exchanges = [("Is my ferritin of 12 low?", "Yes, 12 µg/L is low for most labs."),
                 ("What should I eat for iron?", "Red meat, lentils and spinach help."),
                 ("How soon should I retest?", "After about three months.")]
    for asked, answered in exchanges:
        Message.objects.create(chat=chat, role="user", content=asked)
        Message.objects.create(chat=chat, role="assistant", content=answered,
                               metadata={"status": "done"})
    page.goto(f"{live.url}/chats/{chat.pk}/")
    questions = page.locator("article[data-role=user]")
    expect(questions).to_have_count(3)
    # Every question can be edited, not only the last.
    expect(page.get_by_role("button", name="Edit")).to_have_count(3)
    expect(page.locator(".message-branch")).to_have_count(0)

    fake_anthropic.queue(Reply.text("For **B12**, eggs and fish are good sources.",
                                    delay=0.02, chunk_size=6))
    second = questions.nth(1)
    second.get_by_role("button", name="Edit").click()
    editor = second.locator("form.message-editor textarea")
    expect(editor).to_have_value("What should I eat for iron?")
    editor.fill("What should I eat for B12?")
    with page.expect_response(lambda r: "/edit/" in r.url) as posted:
        second.get_by_role("button", name="Send the edited question").click()
    assert posted.value.status == 200, posted.value.text()

    # What followed the old version leaves the page; the new answer streams in its place.
    answer = page.locator("article[data-role=assistant]").last
    expect(answer).to_contain_text("eggs and fish are good sources.")
    expect(answer).to_have_attribute("data-status", "done")
    expect(questions).to_have_count(2)
    expect(questions.nth(1).locator(".message-text")).to_have_text("What should I eat for B12?")
    expect(page.get_by_text("How soon should I retest?")).to_have_count(0)
    switcher = questions.nth(1).locator(".message-branch")
    expect(switcher).to_contain_text("2 / 2")
    expect(switcher.get_by_role("button", name="Next version")).to_be_disabled()
    # The model was asked with the conversation up to the edited question only.
    sent = str(fake_anthropic.requests[-1]["messages"])
    assert "ferritin" in sent and "B12" in sent
    assert "for iron?" not in sent and "retest" not in sent
    shoot(page, "chat-branches")

    # ‹ : the first version, with everything that followed it.
    questions.nth(1).get_by_role("button", name="Previous version").click()
    expect(questions).to_have_count(3)
    expect(questions.nth(1).locator(".message-text")).to_have_text("What should I eat for iron?")
    expect(page.get_by_text("After about three months.")).to_be_visible()
    expect(page.get_by_text("eggs and fish")).to_have_count(0)
    expect(questions.nth(1).locator(".message-branch")).to_contain_text("1 / 2")
    expect(questions.nth(1).get_by_role("button", name="Previous version")).to_be_disabled()

    # › : the edited version again; a reload keeps what was chosen.
    questions.nth(1).get_by_role("button", name="Next version").click()
    expect(questions).to_have_count(2)
    expect(page.locator("article[data-role=assistant]").last).to_contain_text("eggs and fish")
    page.reload()
    expect(questions.nth(1).locator(".message-branch")).to_contain_text("2 / 2")
    expect(page.get_by_text("How soon should I retest?")).to_have_count(0)

    # A new question continues the branch shown.
    fake_anthropic.queue(Reply.text("Yes, a B12 supplement is common."))
    page.locator("textarea[name=content]").fill("Should I take a supplement?")
    page.locator("textarea[name=content]").press("Enter")
    expect(page.locator("article[data-role=assistant]").last).to_contain_text("supplement is common")
    sent = str(fake_anthropic.requests[-1]["messages"])
    assert "eggs and fish" in sent and "three months" not in sent
