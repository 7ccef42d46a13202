"""Template helpers of the chat page: error messages, tool card details, token usage."""

import json

from django import template
from django.utils import formats

from ..assistant.errors import message_for

register = template.Library()


@register.filter
def error_message(error) -> str:
    code = error.get("code") if isinstance(error, dict) else ""
    return message_for(code or "api_error")


@register.filter
def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _grouped(value) -> str:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        number = 0
    return formats.number_format(number, use_l10n=True, force_grouping=True)


@register.filter
def token_usage(usage) -> dict | None:
    """An answer's tokens (summed over its model calls), for the line under it: `input`
    is what the model read without the cache (`written` of it went into the cache),
    `cached` what it read from the cache."""
    if not isinstance(usage, dict) or not any(usage.values()):
        return None
    written = usage.get("cache_creation_input_tokens") or 0
    return {
        "input": _grouped((usage.get("input_tokens") or 0) + written),
        "written": _grouped(written),
        "cached": _grouped(usage.get("cache_read_input_tokens")),
        "output": _grouped(usage.get("output_tokens")),
    }
