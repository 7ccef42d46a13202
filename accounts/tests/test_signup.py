import pytest
from constance.test.pytest import override_config

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_signup_creates_an_account_when_open(client, user):
    with override_config(self_registration_enabled=True):
        response = client.post(
            "/accounts/signup/",
            {"email": "new@example.com", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
        )
    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()


SIGNUP = {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}


def test_the_first_account_of_a_fresh_install_becomes_the_administrator(client):
    """No override: the defaults of a fresh install."""
    assert "Sign Up Closed" not in client.get("/accounts/signup/").content.decode()
    response = client.post("/accounts/signup/", {"email": "owner@example.com", **SIGNUP})
    assert response.status_code == 302
    owner = User.objects.get(email="owner@example.com")
    assert owner.role == User.Role.ADMIN and owner.is_staff and owner.is_superuser

    # After it, sign-up is closed by default: a stranger cannot make an account.
    client.logout()
    page = client.get("/accounts/signup/")
    client.post("/accounts/signup/", {"email": "stranger@example.com", **SIGNUP})
    assert "Sign Up Closed" in page.content.decode()
    assert not User.objects.filter(email="stranger@example.com").exists()


def test_signup_is_closed_by_default_once_an_account_exists(client, user):
    response = client.post("/accounts/signup/", {"email": "stranger@example.com", **SIGNUP})
    assert response.status_code == 200 and "Sign Up Closed" in response.content.decode()
    assert not User.objects.filter(email="stranger@example.com").exists()


def test_with_signup_turned_on_a_later_account_is_a_plain_user(client, user):
    with override_config(self_registration_enabled=True):
        response = client.post("/accounts/signup/", {"email": "second@example.com", **SIGNUP})
    assert response.status_code == 302
    assert User.objects.get(email="second@example.com").role == User.Role.USER
    assert User.objects.get(pk=user.pk).role == User.Role.USER  # nobody else promoted


def test_signup_is_closed_with_a_clear_page(client, user):
    with override_config(self_registration_enabled=False):
        page = client.get("/accounts/signup/")
        attempt = client.post(
            "/accounts/signup/",
            {"email": "new@example.com", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
        )
    assert page.status_code == 200
    assert "Sign Up Closed" in page.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    assert attempt.status_code == 200


def test_signup_closed_page_in_russian(client, user):
    with override_config(self_registration_enabled=False):
        page = client.get("/accounts/signup/", headers={"accept-language": "ru"})
    assert "Регистрация закрыта" in page.content.decode()


def test_login_by_email_and_password(client, user, password):
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_password_reset_sends_a_mail(client, user, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert user.email in mailoutbox[0].to
