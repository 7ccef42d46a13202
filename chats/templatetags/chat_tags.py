"""Template helpers of the chat page: error messages and tool card details."""

import json

from django import template

from ..assistant.errors import message_for

register = template.Library()


@register.filter
def error_message(error) -> str:
    code = error.get("code") if isinstance(error, dict) else ""
    return message_for(code or "api_error")


@register.filter
def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
