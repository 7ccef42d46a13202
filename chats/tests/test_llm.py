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
