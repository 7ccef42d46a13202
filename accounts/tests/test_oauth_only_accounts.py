"""Accounts without a password (made through a provider) can erase themselves by typing
their email, and join the account switcher by signing in with their provider — end to end
against the local identity provider (tests/fakes/oauth_server.py)."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY

from accounts import switching
from accounts.models import User

from .test_social_login import oidc  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def oauth_only(make_user):
    """Carol signed up with the identity provider: no usable password."""
    carol = make_user("carol@example.com", password=None)
    carol.set_unusable_password()
    carol.save()
    SocialAccount.objects.create(user=carol, provider="keycloak", uid="user-123")
    return carol


def prove_with_provider(client, provider_id="keycloak"):
    """The delete page's "Confirm with …": a fresh sign-in through the provider."""
    start = client.post("/settings/delete/prove/", {"provider": provider_id})
    assert start.status_code == 302, start.content
    approval = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert approval.status_code == 302
    back = urlsplit(approval.headers["Location"])
    return client.get(back.path, parse_qs(back.query))


def test_an_oauth_only_account_is_not_erased_without_a_fresh_sign_in(
    client, oauth_only, oidc  # noqa: F811
):
    """Issue 22, item 11: a session left open (a shared computer) was enough to erase an
    account without a password by typing its (visible) email."""
    client.force_login(oauth_only)
    page = client.get("/settings/delete/").content.decode()
    assert "Confirm with Keycloak" in page
    response = client.post("/settings/delete/", {"email": "carol@example.com"})
    assert response.status_code == 400
    assert "signing in with your provider again" in response.content.decode()
    assert User.objects.filter(pk=oauth_only.pk).exists()


def test_another_identity_of_the_provider_proves_nothing(
    client, oauth_only, make_user, oidc  # noqa: F811
):
    dave = make_user("dave@example.com", password=None)
    SocialAccount.objects.create(user=dave, provider="keycloak", uid="user-456")
    oidc.identity = {**oidc.identity, "email": "carol@example.com", "sub": "user-123"}
    client.force_login(dave)
    response = prove_with_provider(client)
    assert response["Location"] == "/settings/delete/"
    assert client.session[AUTH_SESSION_KEY] == str(dave.pk)  # nobody else signed in
    response = client.post("/settings/delete/", {"email": "dave@example.com"})
    assert response.status_code == 400 and User.objects.filter(pk=dave.pk).exists()


def test_an_oauth_only_account_erases_itself_by_typing_its_email(
    client, oauth_only, oidc  # noqa: F811
):
    client.force_login(oauth_only)
    page = client.get("/settings/delete/").content.decode()
    assert 'name="email"' in page and 'name="password"' not in page
    response = prove_with_provider(client)
    assert response["Location"] == "/settings/delete/"
    assert client.session[AUTH_SESSION_KEY] == str(oauth_only.pk)
    assert "Confirmed." in client.get("/settings/delete/").content.decode()

    response = client.post("/settings/delete/", {"email": "someone@example.com"})
    assert response.status_code == 400
    assert "not the email address of this account" in response.content.decode()
    assert User.objects.filter(pk=oauth_only.pk).exists()

    response = client.post("/settings/delete/", {"email": " Carol@Example.com "})
    assert response.status_code == 302
    assert not User.objects.filter(pk=oauth_only.pk).exists()
    assert not SocialAccount.objects.exists()


def test_an_account_with_a_password_still_needs_it(signed_in_client, user):
    response = signed_in_client.post("/settings/delete/", {"email": user.email})
    assert response.status_code == 400
    assert User.objects.filter(pk=user.pk).exists()


def add_with_provider(client, provider_id="keycloak"):
    start = client.post("/accounts/switch/add/provider/", {"provider": provider_id})
    assert start.status_code == 302, start.content
    approval = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert approval.status_code == 302
    back = urlsplit(approval.headers["Location"])
    return client.get(back.path, parse_qs(back.query))


def test_the_switch_page_offers_the_provider(signed_in_client, oidc):  # noqa: F811
    page = signed_in_client.get("/accounts/switch/").content.decode()
    assert "Add with Keycloak" in page


def test_an_oauth_only_account_is_added_to_the_switcher_through_its_provider(
    client, user, oauth_only, oidc  # noqa: F811
):
    client.force_login(user)
    response = add_with_provider(client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[AUTH_SESSION_KEY] == str(oauth_only.pk)  # now active
    page = client.get("/accounts/switch/").content.decode()
    assert "alice@example.com" in page and "carol@example.com" in page
    # Switching back to Alice needs no password, as for any account of this browser.
    response = client.post("/accounts/switch/", {"account": str(user.pk)})
    assert response.status_code == 302
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert set(client.session[switching.SESSION_KEY]) == {
        str(user.pk), str(oauth_only.pk)}


def test_an_added_account_with_two_factor_is_asked_for_its_code(
    client, user, oauth_only, oidc  # noqa: F811
):
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(oauth_only, secret)
    client.force_login(user)
    response = add_with_provider(client)
    assert response["Location"] == "/accounts/switch/add/verify/"
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)  # not yet
    counter = next(totp_auth.yield_hotp_counters_from_time())
    code = totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))
    response = client.post("/accounts/switch/add/verify/", {"code": code})
    assert response.status_code == 302
    assert client.session[AUTH_SESSION_KEY] == str(oauth_only.pk)


def test_a_provider_identity_without_an_account_adds_nothing(client, user, oidc):  # noqa: F811
    oidc.identity = {**oidc.identity, "email": "stranger@example.com", "sub": "user-999"}
    client.force_login(user)
    response = add_with_provider(client)
    assert response["Location"] == "/accounts/switch/"
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert not User.objects.filter(email="stranger@example.com").exists()
    page = client.get("/accounts/switch/").content.decode()
    assert "No account here uses that sign-in" in page


def test_a_plain_provider_sign_in_is_not_turned_into_an_add(client, user, oauth_only, oidc):  # noqa: F811
    """Without starting from the switch page, allauth's own flow runs (it replaces the
    signed-in account), and the switcher holds only what it held."""
    client.force_login(user)
    start = client.post("/accounts/oidc/keycloak/login/")
    approval = requests.get(start["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(approval.headers["Location"])
    client.get(back.path, parse_qs(back.query))
    assert client.session[AUTH_SESSION_KEY] == str(oauth_only.pk)
    assert str(user.pk) not in (client.session.get(switching.SESSION_KEY) or {})


def test_an_unknown_provider_is_not_found(signed_in_client):
    assert signed_in_client.post("/accounts/switch/add/provider/",
                                 {"provider": "nope"}).status_code == 404


def test_an_account_that_only_claims_the_address_is_not_handed_over(
    client, user, make_user, oidc  # noqa: F811
):
    """Pre-hijack: Mallory signed up as carol@example.com (never verified) and keeps the
    password. Carol, signed in as Alice, adds her Google-like identity: the switcher must
    not give her Mallory's account (she would fill it while Mallory reads it)."""
    from allauth.account.models import EmailAddress

    planted = User.objects.create_user(email="carol@example.com", password="mallory-knows")
    EmailAddress.objects.create(user=planted, email=planted.email, verified=False,
                                primary=True)
    client.force_login(user)
    response = add_with_provider(client)
    assert response["Location"] == "/accounts/switch/"
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)  # still Alice
    assert str(planted.pk) not in (client.session.get(switching.SESSION_KEY) or {})
    assert not SocialAccount.objects.filter(user=planted).exists()
    page = client.get("/accounts/switch/").content.decode()
    assert "has not verified it" in page


def test_an_account_with_the_address_verified_is_added_through_the_provider(
    client, user, make_user, oidc  # noqa: F811
):
    carol = make_user("carol@example.com")  # verified here, no social account yet
    client.force_login(user)
    response = add_with_provider(client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[AUTH_SESSION_KEY] == str(carol.pk)
