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
    User.objects.create_user(email="admin@example.com", password="old", is_active=False)
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
