"""The user's timezone and language: one fallback each, and one way to activate the language."""

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from accounts.locale import language_of, user_language, zone_of
from accounts.models import User


def test_an_invalid_or_empty_timezone_falls_back_to_the_instance_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    assert User(timezone="Europe/Moscow").zone == ZoneInfo("Europe/Moscow")
    assert User(timezone="Mars/Olympus").zone == ZoneInfo("Europe/Berlin")
    assert User(timezone="").zone == ZoneInfo("Europe/Berlin")
    assert zone_of(None) == zone_of(AnonymousUser()) == ZoneInfo("Europe/Berlin")


def test_a_broken_instance_zone_falls_back_to_utc(settings):
    settings.TIME_ZONE = ""
    assert User(timezone="Mars/Olympus").zone == ZoneInfo("UTC")


def test_an_unknown_or_empty_language_falls_back_to_the_instance_language(settings):
    assert User(language="ru").language_code == "ru"
    assert User(language="xx").language_code == User(language="").language_code == "en"
    settings.LANGUAGE_CODE = "ru"
    assert User(language="").language_code == "ru"
    assert language_of(AnonymousUser()) == language_of(None) == "ru"
    assert language_of(None, "en") == "en"  # a caller's own guess beats the instance default


def test_the_model_is_told_the_language_by_one_name():
    assert User(language="ru").model_language == "Russian (русский)"
    assert User(language="en").model_language == "English"


def test_user_language_activates_the_users_language_and_restores_the_previous_one():
    with translation.override("ru"):
        with user_language(User(language="en")):
            assert translation.get_language() == "en"
        assert translation.get_language() == "ru"
        with user_language(None):
            assert translation.get_language() == "en"
        assert translation.get_language() == "ru"


@pytest.mark.django_db
def test_a_stored_invalid_timezone_does_not_break_the_pages(signed_in_client, user):
    User.objects.filter(pk=user.pk).update(timezone="Mars/Olympus")
    assert signed_in_client.get("/").status_code == 200
