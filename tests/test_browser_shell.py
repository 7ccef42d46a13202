"""The shell in a real browser: sign in, Russian, dark theme, a phone-sized screen."""

import pytest

from conftest import sign_in

pytestmark = [pytest.mark.browser]


def test_sign_in_switch_to_russian_and_dark_theme(page, live, user):
    sign_in(page, live, user.email)
    assert page.get_by_test_id("signed-in-as").inner_text() == "Alice Example"
    assert page.locator("#bell").get_attribute("data-unread-count") == "0"

    page.get_by_role("button", name="RU").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("button", name="Новый чат").is_visible()
    user.refresh_from_db()
    assert user.language == "ru"

    page.get_by_role("button", name="Тема").click()
    page.get_by_role("menuitemradio", name="Тёмная").click()
    assert "dark" in page.locator("html").get_attribute("class")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.reload()
    assert "dark" in page.locator("html").get_attribute("class"), "the choice survives a reload"
    assert background != "rgb(255, 255, 255)"


def test_dark_system_theme_gives_a_dark_page(browser, live, user):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    sign_in(page, live, user.email)
    assert "dark" in page.locator("html").get_attribute("class")
    context.close()


def test_browser_asking_for_russian_gets_russian_pages(browser, live):
    context = browser.new_context(locale="ru-RU", extra_http_headers={"Accept-Language": "ru"})
    page = context.new_page()
    page.goto(f"{live.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("button", name="Войти", exact=True).is_visible()
    context.close()


@pytest.mark.parametrize("url", ["/", "/settings/", "/chats/", "/accounts/login/"])
def test_phone_screen_has_no_sideways_scroll(browser, live, user, url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    if url != "/accounts/login/":
        sign_in(page, live, user.email)
    page.goto(f"{live.url}{url}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    context.close()


def test_keyboard_focus_is_visible(page, live, user):
    sign_in(page, live, user.email)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    shadow = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none" or shadow != "none"
