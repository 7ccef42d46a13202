"""Sign-in through OAuth / OpenID Connect, end to end against a local identity provider:
allauth really calls its token, userinfo and API endpoints over HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from allauth.socialaccount.providers.google import views as google_views
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY

from accounts.models import User

pytestmark = pytest.mark.django_db


def app(provider):
    return {"client_id": provider.client_id, "secret": provider.client_secret}


@pytest.fixture
def oidc(settings, identity_provider):
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [{
            **app(identity_provider), "provider_id": "keycloak", "name": "Keycloak",
            "settings": {"server_url": identity_provider.issuer("oidc")},
        }]},
    }
    return identity_provider


@pytest.fixture
def github(settings, identity_provider, monkeypatch):
    # allauth computes GitHub's URLs once at import (from GITHUB_URL); point them here.
    base = identity_provider.issuer("github")
    monkeypatch.setattr(GitHubOAuth2Adapter, "authorize_url", f"{base}/login/oauth/authorize")
    monkeypatch.setattr(GitHubOAuth2Adapter, "access_token_url", f"{base}/login/oauth/access_token")
    monkeypatch.setattr(GitHubOAuth2Adapter, "profile_url", f"{base}/api/v3/user")
    monkeypatch.setattr(GitHubOAuth2Adapter, "emails_url", f"{base}/api/v3/user/emails")
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "github": {"SCOPE": ["read:user", "user:email"], "APPS": [app(identity_provider)]},
    }
    return identity_provider


@pytest.fixture
def google(settings, identity_provider, monkeypatch):
    # Likewise Google's endpoints are module constants read from settings at import.
    base = identity_provider.issuer("google")
    adapter = google_views.GoogleOAuth2Adapter
    monkeypatch.setattr(adapter, "authorize_url", f"{base}/authorize")
    monkeypatch.setattr(adapter, "access_token_url", f"{base}/token")
    monkeypatch.setattr(adapter, "identity_url", f"{base}/userinfo")
    monkeypatch.setattr(adapter, "id_token_issuer", base)
    monkeypatch.setattr(google_views, "ID_TOKEN_ISSUER", base)
    monkeypatch.setattr(google_views, "CERTS_URL", f"{base}/certs")
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "google": {"SCOPE": ["profile", "email"], "OAUTH_PKCE_ENABLED": True,
                   "APPS": [app(identity_provider)]},
    }
    return identity_provider


def sign_in_with(client, login_path):
    """Start at our login URL, let the provider approve, and come back to the callback."""
    start = client.post(login_path)
    assert start.status_code == 302, start.content
    approval = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert approval.status_code == 302
    back = urlsplit(approval.headers["Location"])
    return client.get(back.path, parse_qs(back.query)), start["Location"]


def test_openid_connect_signs_up_a_new_user(client, oidc):
    response, authorize = sign_in_with(client, "/accounts/oidc/keycloak/login/")
    assert response.status_code == 302
    user = User.objects.get(email="carol@example.com")
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert user.role == User.Role.ADMIN  # the first account of a fresh install
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("keycloak", "user-123")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    # The code was exchanged with the PKCE verifier, and the userinfo endpoint was called.
    assert oidc.token_requests[0]["code_verifier"]
    assert ("GET", "/oidc/userinfo") in oidc.requests


def test_openid_connect_signs_in_the_existing_account_with_that_email(client, oidc, user):
    oidc.identity = {**oidc.identity, "email": user.email}
    sign_in_with(client, "/accounts/oidc/keycloak/login/")
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert User.objects.count() == 1


def test_a_tampered_callback_does_not_sign_in(client, oidc):
    start = client.post("/accounts/oidc/keycloak/login/")
    approval = requests.get(start["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(approval.headers["Location"])
    query = parse_qs(back.query)
    response = client.get(back.path, {"code": "forged-code", "state": query["state"][0]})
    assert AUTH_SESSION_KEY not in client.session
    assert response.status_code == 401
    assert not User.objects.filter(email="carol@example.com").exists()


def test_the_login_page_offers_the_configured_provider(client, oidc):
    html = client.get("/accounts/login/").content.decode()
    assert "Keycloak" in html


def test_github_signs_in_with_the_verified_primary_email(client, github):
    response, _ = sign_in_with(client, "/accounts/github/login/")
    assert response.status_code == 302, (response.content.decode()[-3000:], github.requests)
    user = User.objects.get(email="carol@example.com")
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert SocialAccount.objects.get(user=user).uid == "4242"
    assert ("GET", "/github/api/v3/user/emails") in github.requests


def test_google_signs_in_from_its_id_token(client, google):
    response, _ = sign_in_with(client, "/accounts/google/login/")
    assert response.status_code == 302
    user = User.objects.get(email="carol@example.com")
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert SocialAccount.objects.get(user=user, provider="google").uid == "user-123"


def test_without_self_registration_an_unknown_identity_gets_no_account(client, oidc, user):
    """After the first account (`user`), with sign-up off."""
    from constance.test.pytest import override_config

    with override_config(self_registration_enabled=False):
        sign_in_with(client, "/accounts/oidc/keycloak/login/")
    assert not User.objects.filter(email="carol@example.com").exists()
    assert AUTH_SESSION_KEY not in client.session


def test_providers_are_configured_from_the_environment(monkeypatch):
    from config.settings import social_providers

    monkeypatch.setenv("OIDC_SERVER_URL", "https://sso.example.org/realms/family")
    monkeypatch.setenv("OIDC_CLIENT_ID", "anamnesis")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("OIDC_NAME", "Family SSO")
    monkeypatch.setenv("GITHUB_CLIENT_ID", "gh-id")
    monkeypatch.setenv("GITHUB_CLIENT_SECRET", "gh-secret")
    monkeypatch.delenv("GOOGLE_CLIENT_ID", raising=False)
    providers = social_providers()
    oidc_app = providers["openid_connect"]["APPS"][0]
    assert oidc_app["name"] == "Family SSO" and oidc_app["provider_id"] == "oidc"
    assert oidc_app["settings"]["server_url"] == "https://sso.example.org/realms/family"
    assert providers["github"]["APPS"] == [{"client_id": "gh-id", "secret": "gh-secret"}]
    assert "APPS" not in providers["google"]


def test_a_provider_added_in_the_admin_is_offered_on_the_login_page(client, make_user):
    admin = make_user("admin@example.com", role="admin")
    client.force_login(admin)
    response = client.post("/admin/socialaccount/socialapp/add/", {
        "provider": "github", "name": "GitHub of the family", "client_id": "id",
        "secret": "secret", "key": "", "settings": "{}",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    html = client.get("/accounts/login/").content.decode()
    assert "/accounts/github/login/" in html, html[-3000:]
