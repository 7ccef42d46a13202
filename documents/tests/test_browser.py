"""In a real browser: upload several files, watch them complete, search, open one."""

import pytest
from playwright.sync_api import expect

from conftest import sign_in
from documents import tasks
from documents.models import Document

from .conftest import LIPID_EN, image_bytes, scan_image, text_pdf


@pytest.mark.browser
def test_upload_watch_processing_search_and_open(page, live, user, settings, tmp_path):
    # The worker runs here, in the test process, on the live server's stored files.
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"
    files = {
        "lipids.pdf": text_pdf(LIPID_EN),
        "скан.png": image_bytes(scan_image(["Анализ крови: гемоглобин 135 г/л"])),
        "note.txt": b"Ibuprofen 400 mg as needed",
    }
    paths = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))

    sign_in(page, live, user.email)
    page.goto(f"{live.url}/documents/")
    page.set_input_files("input[name=files]", paths)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("[data-status]")).to_have_count(3)
    expect(page.locator("[data-status=pending]")).to_have_count(3)

    for document in Document.objects.for_user(user):
        tasks.process_document(document.pk)
    # The list updates by itself (htmx polling) without a reload.
    expect(page.locator("[data-status=completed]")).to_have_count(3, timeout=10_000)

    page.fill("#document-search", "гемоглобин")
    page.keyboard.press("Enter")
    results = page.get_by_test_id("search-results")
    expect(results.locator("mark").first).to_have_text("гемоглобин")
    results.get_by_role("link", name="скан.png").click()
    expect(page.get_by_role("heading", name="скан.png")).to_be_visible()
    expect(page.get_by_test_id("extracted-text")).to_contain_text("135")
    expect(page.get_by_role("img", name="First page of скан.png")).to_be_visible()
