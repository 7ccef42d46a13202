"""A share link in a real browser: the owner makes one with a passcode on /share/, a
doctor opens the address in a fresh browser without an account, gives the passcode and
reads the medications; the owner then sees the opening. The pages on a desktop and a
phone, light and dark, English and Russian (screenshots go to SCREENSHOT_DIR when set)."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import sign_in
from documents.lab_values import normalise_document
from documents.models import Document
from memory.models import Allergy, Condition, Medication, Vital
from sharing import links

pytestmark = [pytest.mark.browser]

PASSCODE = "tulip-4821"
PHONE = {"width": 390, "height": 844}
# The red channel of the page heading's colour, whatever notation the browser computes.
RED_OF_HEADING = """() => {
  const paint = document.createElement("canvas").getContext("2d");
  paint.fillStyle = getComputedStyle(document.querySelector("h1")).color;
  paint.fillRect(0, 0, 1, 1);
  return paint.getImageData(0, 0, 1, 1).data[0];
}"""


def _record(user):
    Medication.objects.create(user=user, name="Levothyroxine", strength="50 mcg",
                              dose="1 tablet", times=["07:00"], instructions="before breakfast")
    Medication.objects.create(user=user, name="Metformin", strength="500 mg",
                              dose="1 tablet", times=["08:00", "20:00"])
    Allergy.objects.create(user=user, substance="Penicillin", reaction="hives",
                           severity=Allergy.Severity.MODERATE)
    Condition.objects.create(user=user, name="Hypothyroidism", onset=datetime.date(2019, 3, 1))
    Vital.objects.create(user=user, kind=Vital.Kind.BLOOD_PRESSURE, value=124, value2=81,
                         unit="mmHg", measured_at=timezone.now() - datetime.timedelta(days=1))
    Vital.objects.create(user=user, kind=Vital.Kind.WEIGHT, value=71.5, unit="kg",
                         measured_at=timezone.now() - datetime.timedelta(days=2))
    for day, ferritin in ((datetime.date(2026, 4, 2), 40), (datetime.date(2026, 10, 1), 11)):
        document = Document.objects.create(
            user=user, filename=f"ferritin-{day:%Y-%m}.pdf", mime_type="application/pdf",
            sha256=str(day), status=Document.Status.COMPLETED, document_date=day,
            doc_type="lab_result", metadata={"provider": "City Lab", "lab_values": [
                {"analyte": "Ferritin", "value": str(ferritin), "unit": "ng/mL",
                 "reference_range": "15-150"}]})
        normalise_document(document)


def test_a_doctor_opens_the_link_with_the_passcode_in_a_fresh_browser(browser, live, user,
                                                                      page):
    _record(user)
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/share/")
    form = page.get_by_test_id("share-form")
    expect(form.get_by_label("Current medications")).to_be_checked()
    form.get_by_label("Allergies and conditions").uncheck()
    form.get_by_label("Open for").select_option("72")
    form.get_by_label("Passcode (optional)").fill(PASSCODE)
    form.get_by_label("For whom").fill("Dr. Ivanova")
    form.get_by_role("button", name="Create the link").click()
    expect(page.get_by_role("heading", name="The link is ready")).to_be_visible()
    expect(page.get_by_test_id("share-qr").locator("svg")).to_be_visible()
    address = page.get_by_test_id("share-url").input_value()
    assert address.startswith(f"{live.url}/s/")

    doctor = browser.new_context(locale="en-US")  # no account, no cookie of the owner's
    try:
        visit = doctor.new_page()
        visit.goto(address)
        expect(visit.get_by_role("heading", name="A shared health record")).to_be_visible()
        expect(visit.get_by_text("Levothyroxine")).to_have_count(0)
        visit.get_by_label("Passcode").fill("wrong-guess")
        visit.get_by_role("button", name="Open").click()
        expect(visit.get_by_text("That is not the passcode.")).to_be_visible()
        visit.get_by_label("Passcode").fill(PASSCODE)
        visit.get_by_role("button", name="Open").click()
        medications = visit.get_by_test_id("shared-medications")
        expect(medications).to_contain_text("Levothyroxine")
        expect(medications).to_contain_text("50 mcg")
        expect(visit.get_by_test_id("shared-allergies")).to_have_count(0)  # not chosen
        visit.reload()  # the passcode is remembered for this link in this browser
        expect(visit.get_by_test_id("shared-medications")).to_contain_text("Metformin")
        visit.get_by_role("link", name="Русский").click()
        expect(visit.get_by_test_id("shared-medications")).to_contain_text("Текущие лекарства")
    finally:
        doctor.close()

    page.goto(f"{live.url}/share/")
    openings = page.get_by_test_id("share-openings")
    expect(openings).to_contain_text("HeadlessChrome")  # the doctor's browser, twice
    expect(page.get_by_test_id("share-link").first).to_contain_text("Opened 3 times")
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("share-state").first).to_have_text("Revoked")
    gone = browser.new_context()
    try:
        answer = gone.new_page().goto(address)
        assert answer.status == 410
    finally:
        gone.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE],
                         ids=["desktop", "phone"])
def test_share_pages_fit_in_both_languages_and_themes(browser, live, user, viewport,
                                                      tmp_path):
    _record(user)
    lab = Document.objects.filter(user=user).first()
    link, token = links.create(user, duration=datetime.timedelta(days=7), label="Dr. Ivanova",
                               conditions=True, labs=True, document_ids=[lab.pk])
    _locked, locked_token = links.create(user, duration=datetime.timedelta(hours=1),
                                         passcode=PASSCODE)
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    device = "desktop" if viewport["width"] > 800 else "phone"
    for language in ("en", "ru"):
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                          locale=language,
                                          extra_http_headers={"Accept-Language": language})
            try:
                page = context.new_page()
                page.goto(f"{live.url}/s/{token}/")
                expect(page.get_by_test_id("shared-labs")).to_be_visible()
                assert page.locator("html").get_attribute("lang") == language
                _check(page, shots / f"{device}-{language}-{scheme}-shared.png")
                page.emulate_media(media="print")  # printable: no buttons, white paper
                expect(page.get_by_test_id("share-pdf")).to_be_hidden()
                assert page.evaluate("getComputedStyle(document.body).backgroundColor"
                                     ) == "rgb(255, 255, 255)"
                # Dark text on the paper even from a dark screen.
                assert page.evaluate(RED_OF_HEADING) < 100
                _check(page, shots / f"{device}-{language}-{scheme}-print.png")
                page.emulate_media(media="screen")
                page.goto(f"{live.url}/s/{locked_token}/")
                expect(page.get_by_test_id("share-passcode")).to_be_visible()
                _check(page, shots / f"{device}-{language}-{scheme}-passcode.png")
                type(user).objects.filter(pk=user.pk).update(language=language)
                sign_in(page, live, user.email)
                page.goto(f"{live.url}/share/")
                expect(page.get_by_test_id("share-openings").first).to_be_visible()
                _check(page, shots / f"{device}-{language}-{scheme}-share.png")
                page.get_by_test_id("share-form").locator("button[type=submit]").click()
                expect(page.get_by_test_id("share-qr")).to_be_visible()
                _check(page, shots / f"{device}-{language}-{scheme}-created.png")
            finally:
                context.close()
    assert link.openings.count() == 4


def _check(page, path):
    page.screenshot(path=str(path), full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{path.name} overflows by {overflow}px"
