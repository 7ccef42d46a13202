"""The sources under an answer in a real browser: they appear when the answer ends, link to
the documents (the page, where known) and stay after a reload; screenshots when
SCREENSHOTS is set."""

import re

import pytest
from playwright.sync_api import expect

from chats.tests.test_browser_actions import shoot
from chats.tests.test_sources import document, letter
from tests.fakes.anthropic_server import Reply

pytestmark = [pytest.mark.browser]

IRON = ("Northside Laboratory — Iron studies\nDate: 2025-06-10\n"
        "Ferritin 12 ng/mL (15-150) LOW\nComment: low iron stores.")


def test_an_answers_sources_link_to_the_documents_and_their_pages(
        signed_in_page, live, user, fake_anthropic):
    page = signed_in_page
    labs = document(user, "northside-iron-studies-2025.pdf", IRON, lab_values=[
        {"analyte": "Ferritin", "value": "12", "unit": "ng/mL", "reference_range": "15-150",
         "flag": "low"}])
    cardiology = letter(user)
    fake_anthropic.queue(Reply.text(
        "Your ferritin was **12 ng/mL** on 2025-06-10, below the range of 15–150, and the "
        "cardiology letter advises iron supplementation (page 3).", delay=0.01))
    page.goto(f"{live.url}/chats/")
    page.get_by_role("button", name="New chat").click()
    page.wait_for_url(re.compile(r"/chats/[0-9a-f-]{36}/$"))
    box = page.locator("textarea[name=content]")
    box.fill("What was my ferritin?")
    box.press("Enter")

    answer = page.locator("article[data-role=assistant]")
    expect(answer).to_have_attribute("data-status", "done", timeout=20_000)
    sources = answer.locator("[data-sources]")
    expect(sources).to_be_visible()
    expect(sources.get_by_role("link", name="northside-iron-studies-2025.pdf")).to_have_attribute(
        "href", f"/documents/{labs.pk}/")
    expect(sources.locator("[data-page='3']")).to_have_attribute(
        "href", f"/documents/{cardiology.pk}/#page-3")
    shoot(page, "chat-sources")

    page.reload()
    expect(answer.locator("[data-sources]")).to_contain_text("letter.pdf")
    answer.locator("[data-sources] [data-page='3']").click()
    page.wait_for_url(f"{live.url}/documents/{cardiology.pk}/#page-3")
    expect(page.locator("#page-3")).to_be_in_viewport()
    shoot(page, "document-pages")
