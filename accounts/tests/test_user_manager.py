import pytest
from django.db import IntegrityError

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_create_user_logs_in_by_email_without_username():
    user = User.objects.create_user(email="Ann@Example.COM", password="s3cret-pass")
    assert user.email == "ann@example.com"
    assert user.check_password("s3cret-pass")
    assert user.role == User.Role.USER
    assert not user.is_staff and not user.is_superuser
    assert not hasattr(user, "username")


def test_user_defaults_follow_the_spec():
    user = User.objects.create_user(email="a@example.com", password="x")
    assert isinstance(user.pk, type(__import__("uuid").uuid4()))
    assert user.language == "en"
    assert user.timezone == "UTC"
    assert user.max_chats is None
    assert user.is_active


def test_create_superuser_is_an_admin_with_staff_access():
    admin = User.objects.create_superuser(email="root@example.com", password="x")
    assert admin.role == User.Role.ADMIN
    assert admin.is_staff and admin.is_superuser


def test_changing_role_changes_admin_rights():
    user = User.objects.create_user(email="a@example.com", password="x")
    user.role = User.Role.ADMIN
    user.save()
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    user.role = User.Role.USER
    user.save()
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff


def test_email_is_unique_whatever_the_case():
    User.objects.create_user(email="a@example.com", password="x")
    with pytest.raises(IntegrityError):
        User.objects.create_user(email="A@example.com", password="x")


def test_create_user_requires_an_email():
    with pytest.raises(ValueError):
        User.objects.create_user(email="", password="x")
