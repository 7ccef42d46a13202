import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_creates_the_admin_once(monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "Admin@Example.com")
    monkeypatch.setenv("ADMIN_PASSWORD", "first-password-1")
    call_command("ensure_admin")
    call_command("ensure_admin")
    admins = User.objects.filter(email="admin@example.com")
    assert admins.count() == 1
    admin = admins.get()
    assert admin.is_staff and admin.check_password("first-password-1")
    assert admin.emailaddress_set.get().verified


def test_updates_the_password_and_restores_the_role(monkeypatch):
    from allauth.account.models import EmailAddress

    old = User.objects.create_user(email="admin@example.com", password="old", is_active=False)
    EmailAddress.objects.create(user=old, email=old.email, verified=True, primary=True)
    monkeypatch.setenv("ADMIN_EMAIL", "admin@example.com")
    monkeypatch.setenv("ADMIN_PASSWORD", "new-password-2")
    call_command("ensure_admin")
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_staff and admin.is_active and admin.check_password("new-password-2")


def test_does_nothing_without_variables(monkeypatch):
    monkeypatch.delenv("ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin")
    assert not User.objects.exists()


def test_refuses_half_a_configuration(monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "admin@example.com")
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError):
        call_command("ensure_admin")


def test_an_unverified_account_with_the_admins_address_is_not_promoted(monkeypatch, capsys):
    """Issue 22, item 11: someone signed up first with the administrator's address."""
    from allauth.account.models import EmailAddress

    planted = User.objects.create_user(email="admin@example.com", password="squatter-pass")
    EmailAddress.objects.create(user=planted, email=planted.email, verified=False)
    monkeypatch.setenv("ADMIN_EMAIL", "admin@example.com")
    monkeypatch.setenv("ADMIN_PASSWORD", "the-real-admin-3")
    call_command("ensure_admin")
    planted.refresh_from_db()
    assert not planted.is_staff and planted.role == User.Role.USER
    assert planted.check_password("squatter-pass")  # and the real admin's is not set on it
    assert not EmailAddress.objects.get(user=planted).verified
    assert "has not verified its address" in capsys.readouterr().err
