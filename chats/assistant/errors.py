"""API failures as one short code and a clear message in the user's language.

The anthropic SDK speaks HTTP through `httpx2` (a declared dependency): it wraps request
failures in its own errors, but one in the middle of a stream reaches us as httpx2's.
"""

import anthropic
import httpx2
from django.utils.translation import gettext as _


def _error_type(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("type", ""))
    return ""


def classify(exc: BaseException) -> str:
    kind = _error_type(exc)
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return "authentication"
    if isinstance(exc, anthropic.RateLimitError) or kind == "rate_limit_error":
        return "rate_limit"
    if isinstance(exc, anthropic.OverloadedError) or kind == "overloaded_error" or (
        getattr(exc, "status_code", None) == 529
    ):
        return "overloaded"
    timeouts = anthropic.APITimeoutError | httpx2.TimeoutException
    if isinstance(exc, timeouts):
        return "timeout"
    connections = anthropic.APIConnectionError | httpx2.HTTPError | OSError
    if isinstance(exc, connections):
        return "connection"
    return "api_error"


def message_for(code: str) -> str:
    """Translated in the caller's active language (the engine activates the user's)."""
    messages = {
        "not_configured": _(
            "The assistant is not configured. An administrator needs to set ANTHROPIC_API_KEY "
            "(and ANTHROPIC_BASE_URL for a local Anthropic-compatible server) in the "
            "environment and restart Anamnesis."
        ),
        "authentication": _(
            "The AI service rejected the API key. An administrator needs to check "
            "ANTHROPIC_API_KEY."
        ),
        "rate_limit": _("The AI service's rate limit was reached. Wait a minute and try again."),
        "overloaded": _("The AI service is overloaded right now. Try again in a few minutes."),
        "timeout": _("The AI service took too long to answer. Try again."),
        "connection": _("The connection to the AI service was lost. Try again."),
        "api_error": _("The AI service returned an error. Try again later."),
        "interrupted": _("The answer was interrupted (the server restarted)."),
        "too_many_rounds": _("The assistant used too many tools in a row and was stopped."),
        "context_failed": _(
            "The assistant could not gather what it needs to answer (your memory, documents "
            "and this chat's history). Try again; if it keeps happening, an administrator "
            "should look at the server log."
        ),
        "budget_reached": _(
            "You have used your token budget for this month. The assistant can answer again "
            "next month, or sooner if an administrator raises your budget. Your usage is on "
            "the settings page."
        ),
    }
    return messages.get(code, messages["api_error"])
