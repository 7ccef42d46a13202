"""The one place that builds Anthropic clients and records what they cost.

Every caller of the model (the chat engine, document extraction, the daily review) gets
its client, model name and usage bookkeeping here. The SDK itself reads
ANTHROPIC_BASE_URL, so any Anthropic-compatible endpoint works.
"""

import anthropic
from constance import config
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .models import TokenUsage

DEFAULT_TIMEOUT = 120.0


def is_configured() -> bool:
    return bool(settings.ANTHROPIC_API_KEY)


def model_name() -> str:
    return config.claude_model


def async_client(**options) -> anthropic.AsyncAnthropic:
    options.setdefault("timeout", DEFAULT_TIMEOUT)
    return anthropic.AsyncAnthropic(api_key=settings.ANTHROPIC_API_KEY, **options)


def sync_client(**options) -> anthropic.Anthropic:
    options.setdefault("timeout", DEFAULT_TIMEOUT)
    return anthropic.Anthropic(api_key=settings.ANTHROPIC_API_KEY, **options)


def record_usage(user, source: str, model: str, usage) -> None:
    """Adds one request's usage (an SDK `Usage` or a dict) to the user's daily total."""
    if usage is None:
        return

    def value(name):
        raw = usage.get(name) if isinstance(usage, dict) else getattr(usage, name, None)
        return int(raw or 0)

    row, _ = TokenUsage.objects.get_or_create(
        user=user, day=timezone.localdate(), source=source, model=model or "unknown"
    )
    TokenUsage.objects.filter(pk=row.pk).update(
        requests=F("requests") + 1,
        input_tokens=F("input_tokens") + value("input_tokens"),
        output_tokens=F("output_tokens") + value("output_tokens"),
        cache_read_tokens=F("cache_read_tokens") + value("cache_read_input_tokens"),
        cache_creation_tokens=F("cache_creation_tokens") + value("cache_creation_input_tokens"),
    )
