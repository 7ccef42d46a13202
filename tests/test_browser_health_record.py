"""The health record in a real browser: a reading added on the vitals page, a dose answered
from the in-app reminder, and the medications, vitals and trends pages on a desktop and a
phone (screenshots go to SCREENSHOT_DIR when set, for a person to look at)."""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import sign_in
from memory import doses, medications, stock
from memory.models import DoseEvent, Medication, Vital
from notifications import delivery
from notifications.models import Notification

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
WIDEST = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(-3).map(e => e.tagName + '.' + e.getAttribute('class')).join(' | ')"""


def _record(user):
    pill = medications.save(Medication(user=user, name="Metformin", strength="500 mg",
                                       dose="1 tablet", times=["08:00", "20:00"],
                                       instructions="with food"))
    Medication.objects.filter(pk=pill.pk).update(created=timezone.now() - timedelta(days=20))
    pill.refresh_from_db()
    eight = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0)
    for day in range(1, 15):
        state = "missed" if day % 5 == 0 else "skipped" if day % 7 == 0 else "taken"
        doses.record(pill, eight - timedelta(days=day), state, "page")
    for day, (systolic, diastolic) in enumerate([(118, 76), (142, 92), (125, 80), (131, 84)]):
        Vital.objects.create(user=user, kind="blood_pressure", value=systolic, value2=diastolic,
                             unit="mmHg", measured_at=timezone.now() - timedelta(days=8 - day * 2))
    Vital.objects.create(user=user, kind="weight", value=81.4, unit="kg",
                         measured_at=timezone.now() - timedelta(days=1))
    stock.count(pill, Decimal(9), Decimal(1), 7)  # four and a half days left: running low
    return pill


def test_add_a_reading_and_answer_a_dose_reminder(page, live, user):
    pill = _record(user)
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/memory/vitals/")
    form = page.get_by_test_id("vital-form")
    form.locator("select[name=kind]").select_option("heart_rate")
    form.locator("input[name=value]").fill("300")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Heart rate must be between 20 and 250 bpm.")).to_be_visible()
    page.get_by_test_id("vital-form").locator("input[name=value]").fill("64")
    page.get_by_test_id("vital-form").get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("vital-readings")).to_contain_text("64")
    assert Vital.objects.filter(user=user, kind="heart_rate", value=64).exists()

    reminder = Notification.objects.filter(metadata__medication=str(pill.pk)).first()
    Notification.objects.filter(pk=reminder.pk).update(scheduled_at=timezone.now())
    delivery.deliver_due()
    page.goto(f"{live.url}/notifications/")
    page.locator(f"#n-{reminder.pk} [data-dose-action=taken]").click()
    expect(page.locator(f"#n-{reminder.pk}").get_by_test_id("dose-badge")).to_have_text("Taken")
    assert DoseEvent.objects.filter(medication=pill, via="in_app", state="taken").count() == 1


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE],
                         ids=["desktop", "phone"])
def test_health_pages_fit_desktop_and_phone(browser, live, user, viewport, tmp_path):
    pill = _record(user)
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport, locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, live, user.email)
        name = "desktop" if viewport["width"] > 800 else "phone"
        weight = Vital.objects.get(user=user, kind="weight")
        for path, check in [
            ("/memory/medications/", "running-low"),
            (f"/memory/medications/{pill.pk}/", "stock-left"),
            (f"/memory/medications/{pill.pk}/?day="
             f"{(timezone.localdate() - timedelta(days=5)).isoformat()}", "todays-doses"),
            ("/memory/vitals/", "latest-vitals"),
            (f"/memory/vitals/{weight.pk}/edit/", "vital-form"),
            ("/memory/trends/", "vital-charts"),
        ]:
            page.goto(f"{live.url}{path}")
            expect(page.get_by_test_id(check).first).to_be_visible()
            slug = path.strip("/").replace("/", "-").replace("?day=", "-day-")[:60]
            page.screenshot(path=str(shots / f"{name}-{slug}.png"), full_page=True)
            # Nothing wider than the screen: no sideways scrolling on a phone.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            widest = page.evaluate(WIDEST) if overflow > 1 else ""
            assert overflow <= 1, f"{path} overflows by {overflow}px at {viewport}: {widest}"
    finally:
        context.close()


def test_a_missed_dose_of_an_earlier_day_is_corrected_from_the_strip(page, live, user):
    pill = _record(user)
    sign_in(page, live, user.email)
    page.goto(f"{live.url}/memory/medications/{pill.pk}/")
    missed = page.locator("[data-testid=adherence-strip] a[data-summary=missed]").first
    day = missed.get_attribute("data-day")
    missed.click()
    doses_of_day = page.get_by_test_id("day-doses")
    expect(doses_of_day.locator("h2")).not_to_have_text("Today")
    doses_of_day.get_by_role("button", name="Taken").first.click()
    expect(page.get_by_text("Recorded as taken.")).to_be_visible()
    event = DoseEvent.objects.get(medication=pill, scheduled_for__date=day, via="page",
                                  state="taken")
    assert event.scheduled_for.hour == 8  # the day's first dose, recorded missed before
    # Of the day's two doses one is now taken: the strip's cell says so.
    expect(page.locator(f"[data-testid=adherence-strip] a[data-day='{day}']")).to_have_attribute(
        "data-summary", "partial")
