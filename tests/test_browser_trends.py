"""The trends page in a real browser with three labs' reports: one chart per analyte with
its unit, a result reported as a limit drawn as an open marker, the unit system switched,
on a desktop and a phone, light and dark (screenshots go to SCREENSHOT_DIR when set)."""

import datetime
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import sign_in
from documents.lab_values import normalise_document
from documents.models import Document
from documents.tests.lab_reports import REPORTS, facts

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


def _three_labs(user):
    for filename, day, provider, values in REPORTS:
        document = Document.objects.create(
            user=user, filename=filename, mime_type="application/pdf", sha256=filename,
            status=Document.Status.COMPLETED, doc_type="lab_result",
            document_date=datetime.date.fromisoformat(day),
            metadata=facts(provider, day, values))
        normalise_document(document)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE],
                         ids=["desktop", "phone"])
def test_one_chart_per_analyte_with_units_and_limits(browser, live, user, viewport, scheme,
                                                     tmp_path):
    _three_labs(user)
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport, locale="en-US", color_scheme=scheme)
    try:
        page = context.new_page()
        sign_in(page, live, user.email)
        page.goto(f"{live.url}/memory/trends/")
        charts = page.get_by_test_id("trend-charts")
        expect(charts.locator("section.card")).to_have_count(11)
        ldl = charts.locator("[data-analyte='2089-1']")
        expect(ldl.locator("h2")).to_contain_text("LDL cholesterol · mmol/L")
        crp = charts.locator("[data-analyte='1988-5']")
        expect(crp.locator("g[data-qualified]")).to_have_count(1)
        crp.locator("summary").click()
        expect(crp.locator("td[data-label]").last).to_have_text("<0.5 mg/L")
        name = f"{'desktop' if viewport['width'] > 800 else 'phone'}-{scheme}"
        page.screenshot(path=str(shots / f"trends-{name}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the trends page overflows by {overflow}px at {viewport}"
        if viewport["width"] > 800 and scheme == "light":
            page.get_by_test_id("lab-units").locator("select").select_option("conventional")
            page.get_by_test_id("lab-units").get_by_role("button").click()
            expect(ldl.locator("h2")).to_contain_text("LDL cholesterol · mg/dL")
            page.screenshot(path=str(shots / "trends-desktop-conventional.png"), full_page=True)
    finally:
        context.close()
