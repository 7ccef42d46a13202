import pytest

from chats import llm
from chats.models import TokenUsage

pytestmark = pytest.mark.django_db


def test_usage_adds_up_per_user_day_and_source(user, other_user):
    llm.record_usage(user, "chat", "claude-x", {"input_tokens": 100, "output_tokens": 20,
                                                "cache_read_input_tokens": 80})
    llm.record_usage(user, "chat", "claude-x", {"input_tokens": 50, "output_tokens": 5})
    llm.record_usage(user, "document", "claude-x", {"input_tokens": 7, "output_tokens": 1})
    llm.record_usage(other_user, "chat", "claude-x", {"input_tokens": 1, "output_tokens": 1})
    chat = TokenUsage.objects.get(user=user, source="chat")
    assert (chat.requests, chat.input_tokens, chat.output_tokens, chat.cache_read_tokens) == (2, 150, 25, 80)
    assert TokenUsage.objects.for_user(user).count() == 2


def test_configuration_follows_the_key(settings):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    assert not llm.is_configured()
    settings.ANTHROPIC_API_KEY = "k"
    assert llm.is_configured()


def test_the_admins_token_usage_list_shows_cache_reads_and_writes(client, make_user, user):
    from chats.llm import record_usage

    record_usage(user, "chat", "claude-x", {"input_tokens": 30, "output_tokens": 90,
                                            "cache_read_input_tokens": 5678,
                                            "cache_creation_input_tokens": 1204})
    client.force_login(make_user("admin@example.com", role="admin"))
    html = client.get("/admin/chats/tokenusage/").content.decode()
    assert "cache read tokens" in html.lower() and "cache write tokens" in html.lower()
    assert "5678" in html.replace(",", "").replace("\xa0", "").replace("\u202f", "")
    assert "1204" in html.replace(",", "").replace("\xa0", "").replace("\u202f", "")
