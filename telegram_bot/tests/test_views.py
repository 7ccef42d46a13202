"""The Telegram page of the settings: a one-time code and the deep link, or Unlink."""

import pytest
from django.urls import reverse
from django.utils import timezone

from telegram_bot.models import TelegramLinkCode

pytestmark = pytest.mark.django_db


def test_the_page_needs_sign_in(client):
    assert client.get(reverse("telegram:link")).status_code == 302


def test_telegram_page_shows_a_one_time_code_and_the_deep_link(signed_in_client, user,
                                                              telegram_server):
    page = signed_in_client.get(reverse("telegram:link")).content.decode()
    code = TelegramLinkCode.objects.get(user=user)
    assert f"https://t.me/anamnesis_test_bot?start={code.code}" in page
    assert f"/start {code.code}" in page
    assert code.expires_at > timezone.now()
    # Each visit replaces the code: an old one cannot be used any more.
    signed_in_client.get(reverse("telegram:link"))
    assert not TelegramLinkCode.objects.filter(code=code.code).exists()


def test_telegram_page_without_a_token_says_so(signed_in_client, user):
    page = signed_in_client.get(reverse("telegram:link")).content.decode()
    assert "Telegram is not set up" in page
    assert not TelegramLinkCode.objects.filter(user=user).exists()


def test_unlink_from_the_page(signed_in_client, user):
    user.telegram_chat_id = 42
    user.save()
    signed_in_client.post(reverse("telegram:link"), {"unlink": "1"})
    user.refresh_from_db()
    assert user.telegram_chat_id is None
