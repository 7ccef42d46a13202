"""The skills page of a fresh install in a real browser: the specialists are there, and a
personal skill gets its icon from the picker's names."""

import os

import pytest

from skills.models import Skill
from skills.tests.test_defaults import run_migration_function

pytestmark = [pytest.mark.browser]


def test_specialists_listed_and_icon_picked_from_the_names(signed_in_page, live, user):
    run_migration_function()  # `live` flushes the database between tests: install again
    page = signed_in_page
    page.goto(f"{live.url}/skills/")
    for name in ("General practitioner", "Cardiologist", "Paediatrician"):
        assert page.get_by_role("heading", name=name).is_visible()
    if os.environ.get("SCREENSHOT_DIR"):  # for a person to look at, not an assertion
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "skills.png"),
                        full_page=True)

    page.get_by_role("link", name="New skill").click()
    icon = page.get_by_label("Icon")
    assert icon.get_attribute("list") == "id_icon-icons"
    assert page.locator("#id_icon-icons option[value='footprints']").count() == 1
    page.get_by_label("Name").fill("Running coach")
    page.get_by_label("Instructions for the assistant").fill("Ask about distance.")
    icon.fill("Footprints")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("is not a Lucide icon name").is_visible()
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "skill-form.png"))
    page.get_by_label("Icon").fill("footprints")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live.url}/skills/*/")
    assert Skill.objects.get(user=user).icon == "footprints"
