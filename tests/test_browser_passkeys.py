"""Passkeys in a real browser: Chromium's virtual authenticator (the DevTools protocol's
WebAuthn domain: a real CTAP2 authenticator in the browser, no hardware) registers a
passkey on the two-factor page, then signs in with it and no password.

WebAuthn needs a secure context and a domain as the relying party id, so the browser opens
the live server as http://localhost:<port> (localhost counts as secure)."""

import os
from importlib import import_module

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from playwright.sync_api import expect

from conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser]


def _virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    return cdp


def test_a_passkey_is_added_and_signs_in_without_a_password(page, live, user):
    site = f"http://localhost:{live.port}"
    _virtual_authenticator(page)
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{site}/")

    page.goto(f"{site}/accounts/2fa/")
    page.get_by_role("link", name="Add").last.click()
    if "/reauthenticate/" in page.url:  # a security change asks for the password again
        page.fill("input[name=password]", TEST_PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Laptop")
    passwordless = page.locator("input[name=passwordless]")
    if passwordless.count():
        passwordless.check()
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop" and key.wrap().is_passwordless

    page.goto(f"{site}/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()
    page.wait_for_url(lambda url: "/logout/" not in url)
    page.goto(f"{site}/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{site}/")
    # Signed in as the user, with no password typed since the sign-out.
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    assert session[SESSION_KEY] == str(user.pk)
    shots = os.environ.get("SCREENSHOT_DIR")
    if shots:
        page.goto(f"{site}/accounts/2fa/")
        page.screenshot(path=f"{shots}/desktop-two-factor-with-passkey.png", full_page=True)
