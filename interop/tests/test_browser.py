"""In a real browser: import a FHIR file on /import/, watch its counts arrive, open the
conditions page it filled; and the two pages on a desktop and a phone, light and dark
(screenshots go to SCREENSHOT_DIR when set, for a person to look at)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import sign_in
from interop import tasks
from interop.models import RecordImport

from .helpers import DATA, run

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


def test_import_a_fhir_file_and_see_its_conditions(page, live, user, settings):
    # The worker runs here, in the test process, on the live server's stored files.
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/import/")
    page.set_input_files("input[name=file]", str(DATA / "notes.txt"))
    page.get_by_test_id("import-form").get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-error")).to_contain_text(
        "This is not a file Anamnesis can import.")

    page.set_input_files("input[name=file]", str(DATA / "bundle_collection.json"))
    page.get_by_test_id("import-form").get_by_role("button", name="Import").click()
    expect(page.locator("[data-import][data-status=queued]")).to_have_count(1)
    tasks.run_import(str(RecordImport.objects.get(user=user).pk))
    # The list updates by itself (htmx polling) without a reload.
    row = page.locator("[data-import][data-status=done]")
    expect(row).to_have_count(1, timeout=10_000)
    expect(row.locator("[data-count=imported]")).to_have_text("16")
    expect(row.locator("[data-count=skipped]")).to_have_text("3")

    page.get_by_role("link", name="Conditions").first.click()
    listing = page.get_by_test_id("clinical-list")
    expect(listing).to_contain_text("Hypertension")
    expect(listing).to_contain_text("Imported from bundle_collection.json")
    page.get_by_role("link", name="Allergies").click()
    expect(page.get_by_test_id("clinical-list")).to_contain_text("Penicillin")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE],
                         ids=["desktop", "phone"])
def test_import_and_conditions_pages_fit_desktop_and_phone(browser, live, user, viewport,
                                                           scheme, tmp_path):
    run(user, "bundle_collection.json")
    run(user, "broken.json")
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    languages = ["en", "ru"] if scheme == "light" else ["en"]
    for language in languages:
        context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                      locale="ru-RU" if language == "ru" else "en-US")
        try:
            page = context.new_page()
            user.language = language
            user.save(update_fields=["language"])
            sign_in(page, live, user.email)
            name = "desktop" if viewport["width"] > 800 else "phone"
            for path, check in [("/import/", "import-list"),
                                ("/memory/conditions/", "clinical-list"),
                                ("/memory/allergies/", "clinical-list")]:
                page.goto(f"{live.url}{path}")
                expect(page.get_by_test_id(check)).to_be_visible()
                slug = path.strip("/").replace("/", "-")
                page.screenshot(path=str(shots / f"{name}-{scheme}-{language}-{slug}.png"),
                                full_page=True)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 1, f"{path} overflows by {overflow}px at {viewport}"
        finally:
            context.close()
