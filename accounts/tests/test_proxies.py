"""The client's address behind TRUSTED_PROXY_COUNT proxies: allauth's per-address limits
and the sessions page see each client, and nobody can forge an address without them."""

import pytest
from constance.test.pytest import override_config
from django.core.cache import cache

from accounts.proxies import client_address


@pytest.mark.parametrize(("count", "peer", "forwarded", "expected"), [
    (0, "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # no proxy trusted: the header is ignored
    (1, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
    (1, "10.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the forged entry is left of it
    (2, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
    (2, "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # too short: not through our proxies
    (1, "10.0.0.1", "not-an-address", "10.0.0.1"),
    (1, "10.0.0.1", "[2001:db8::5]:443", "2001:db8::5"),
    (1, "10.0.0.1", "", "10.0.0.1"),
])
def test_client_address(settings, count, peer, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(peer, forwarded) == expected


@pytest.fixture
def _fresh_counters():
    cache.clear()
    # Sign-up opened by an administrator: every attempt reaches the rate limit.
    with override_config(self_registration_enabled=True):
        yield
    cache.clear()


def signup(client, number, address):
    return client.post("/accounts/signup/", {
        "email": f"new{number}@example.com", "password1": "x", "password2": "x",
    }, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=address)


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_counters")
def test_behind_a_proxy_one_client_cannot_use_up_everybodys_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for number in range(20):
        signup(client, number, "203.0.113.9")
    assert signup(client, 20, "203.0.113.9").status_code == 429
    assert signup(client, 21, "198.51.100.7").status_code != 429  # another client


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_counters")
def test_without_trusted_proxies_a_forged_header_changes_nothing(client, settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for number in range(20):
        signup(client, number, f"203.0.113.{number}")
    assert signup(client, 20, "198.51.100.7").status_code == 429


@pytest.mark.django_db
def test_the_sessions_page_shows_the_clients_address(client, user, password, settings):
    from allauth.usersessions.models import UserSession

    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    response = client.post("/accounts/login/", {"login": user.email, "password": password},
                           REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 302
    assert UserSession.objects.get(user=user).ip == "203.0.113.9"
    page = client.get("/accounts/sessions/", REMOTE_ADDR="10.0.0.1",
                      HTTP_X_FORWARDED_FOR="203.0.113.9").content.decode()
    assert "203.0.113.9" in page and "10.0.0.1" not in page
