"""Attaching a file in the chat composer, in a real browser against daphne and the fake
model: the chip, sending, "Reading …" while the worker (run here) processes it, the answer,
and the question's link to the document. Screenshots go to $SCREENSHOT_DIR when it is set."""

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django import db
from playwright.sync_api import expect

from chats.models import Chat, Message
from conftest import sign_in
from documents import tasks
from documents.models import Document
from documents.tests.conftest import LIPID_EN, text_pdf
from tests.fakes.anthropic_server import Reply

pytestmark = [pytest.mark.browser]

ANSWER = "Your LDL cholesterol of 4.0 mmol/L is above the target."
FACTS = {"doc_type": "lab_result", "summary": "Lipid panel.", "findings": [], "lab_values": []}


def _screenshot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _process(document_id):
    try:
        return tasks.process_document(document_id)
    finally:
        db.connection.close()


def _respond(body):
    if (body.get("tool_choice") or {}).get("type") == "tool":  # the document's facts
        return Reply.tool("record_document", FACTS)
    return Reply.text(ANSWER)


def test_attach_a_pdf_send_and_see_the_answer_and_the_link(
        page, live, user, fake_anthropic, settings, tmp_path):
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"  # the worker here reads the server's files
    fake_anthropic.responder = _respond
    path = tmp_path / "lipids.pdf"
    path.write_bytes(text_pdf(LIPID_EN))
    chat = Chat.objects.create(user=user)
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/chats/{chat.pk}/")

    form = page.locator("form#composer")
    form.locator("input[type=file][name=files]").set_input_files(str(path))
    chips = page.locator("#composer-files")
    expect(chips.get_by_role("listitem")).to_have_text("lipids.pdf")
    expect(chips.get_by_role("button", name="Remove lipids.pdf")).to_be_visible()
    page.locator("textarea[name=content]").fill("Is my LDL fine?")
    page.get_by_role("button", name="Send").click()

    answer = page.locator("article[data-role=assistant]")
    expect(answer.get_by_role("status")).to_have_text("Reading lipids.pdf…")
    _screenshot(page, "chat-reading-desktop-light")
    expect(chips).to_be_hidden()  # the composer is empty again
    document = Document.objects.get(user=user)
    # The worker's job, in a thread of its own as in the worker process (here the test's
    # thread runs Playwright's event loop, where the settings' reads turn asynchronous).
    with ThreadPoolExecutor(1) as worker:
        assert worker.submit(_process, document.pk).result() == "completed"

    expect(answer).to_have_attribute("data-status", "done", timeout=20_000)
    expect(answer).to_contain_text(ANSWER)
    question = page.locator("article[data-role=user]")
    expect(question.locator(".message-text")).to_have_text("Is my LDL fine?")
    link = question.get_by_role("link", name="lipids.pdf")
    expect(link).to_have_attribute("href", f"/documents/{document.pk}/")
    link.click()
    expect(page.get_by_role("heading", name="lipids.pdf")).to_be_visible()


def test_the_attach_button_works_from_the_keyboard_and_a_chip_can_be_removed(
        page, live, user, tmp_path):
    paths = []
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"{name} glucose 5.1 mmol/L")
        paths.append(str(tmp_path / name))
    chat = Chat.objects.create(user=user)
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/chats/{chat.pk}/")
    attach = page.get_by_role("button", name="Attach")
    # Enter on the focused button opens the file picker (the input's click). Headless
    # Chromium hands Playwright the picker only for a pointer click, so the files are
    # chosen through one.
    page.evaluate("window.pickerOpened = 0; document.querySelector('input[name=files]')"
                  ".addEventListener('click', () => window.pickerOpened++)")
    attach.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("window.pickerOpened") == 1
    with page.expect_file_chooser() as chooser:
        attach.click()
    chooser.value.set_files(paths)
    chips = page.get_by_role("list", name="Files to send").get_by_role("listitem")
    expect(chips).to_have_text(["a.txt", "b.txt"])
    page.get_by_role("button", name="Remove a.txt").focus()
    page.keyboard.press("Enter")
    expect(chips).to_have_text(["b.txt"])
    # Focus stays on the list: the next chip's remove button.
    expect(page.get_by_role("button", name="Remove b.txt")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("list", name="Files to send")).to_be_hidden()
    expect(attach).to_be_focused()
    assert not Document.objects.filter(user=user).exists()  # nothing sent, nothing stored


def _earlier_exchange(chat):
    """A question with two files, one of which could not be read, and its answer."""
    document = Document.objects.create(
        user=chat.user, filename="lipids-march.pdf", mime_type="application/pdf",
        sha256="a" * 64, status="completed", extracted_text="LDL 4.0 mmol/L")
    Message.objects.create(chat=chat, role="user", content="Compare these two, please.",
                           metadata={"attachments": [
                               {"id": str(document.pk), "name": "lipids-march.pdf"},
                               {"id": str(uuid.uuid4()), "name": "scan.jpg"}]})
    Message.objects.create(chat=chat, role="assistant", content="Your LDL was 4.0 mmol/L.",
                           metadata={"status": "done", "unread": [
                               {"name": "scan.jpg", "reason": "No text was found in it."}],
                               "parts": [{"type": "text", "text": "Your LDL was 4.0 mmol/L.",
                                          "html": "<p>Your LDL was 4.0 mmol/L.</p>"}]})


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_composer_with_a_chip_screenshots(browser, live, user, tmp_path, device, theme):
    options = {"viewport": {"width": 1280, "height": 800}} if device == "desktop" else {
        "viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context = browser.new_context(locale="en-US", color_scheme=theme, **options)
    page = context.new_page()
    path = tmp_path / "blood-test-2025-03-14-city-lab-lipid-panel.pdf"
    path.write_bytes(text_pdf(LIPID_EN))
    chat = Chat.objects.create(user=user, title="Lipids")
    _earlier_exchange(chat)
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/chats/{chat.pk}/")
    expect(page.get_by_text("Could not read “scan.jpg”")).to_be_visible()
    page.locator("input[name=files]").set_input_files([str(path)])
    page.locator("textarea[name=content]").fill("What do these results mean?")
    chip = page.get_by_role("list", name="Files to send").get_by_role("listitem")
    expect(chip).to_be_visible()
    # The chip fits the composer, however long the file's name is.
    box, form = chip.bounding_box(), page.locator("#composer").bounding_box()
    assert box["x"] + box["width"] <= form["x"] + form["width"] + 1
    _screenshot(page, f"composer-chip-{device}-{theme}")
    context.close()
