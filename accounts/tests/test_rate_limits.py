"""Rate limits of allauth on login, sign-up and password reset, with clear messages."""

import pytest
from constance.test.pytest import override_config
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    # allauth counts attempts in the cache (Redis in the production suite).
    cache.clear()
    yield
    cache.clear()


def test_repeated_failed_logins_for_one_account_are_refused_clearly(client, user, password):
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": user.email, "password": "nope"})
        assert "Too many" not in response.content.decode()
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_config(self_registration_enabled=True)  # an administrator opened sign-up
def test_repeated_sign_ups_from_one_address_get_a_429_page(client):
    for number in range(20):
        client.post("/accounts/signup/", {
            "email": f"new{number}@example.com", "password1": "x", "password2": "x",
        })
    response = client.post("/accounts/signup/", {
        "email": "one-more@example.com", "password1": "x", "password2": "x",
    })
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_repeated_password_resets_for_one_address_are_refused(client, user):
    for _ in range(5):
        response = client.post("/accounts/password/reset/", {"email": user.email})
        assert response.status_code == 302
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_adding_an_account_to_the_switcher_is_rate_limited_too(signed_in_client, other_user, password):
    for _ in range(5):
        signed_in_client.post("/accounts/switch/add/", {"login": other_user.email, "password": "no"})
    response = signed_in_client.post(
        "/accounts/switch/add/", {"login": other_user.email, "password": password}
    )
    assert response.status_code == 400
    assert "Too many failed sign-in attempts" in response.content.decode()
