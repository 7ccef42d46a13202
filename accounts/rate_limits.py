"""Per-user rate limits on what costs the instance: uploads, reindexing, compiling PDFs
and exports. Fixed windows counted in the shared cache, as chats/limits.py does for
messages, so they hold across the web processes and the worker.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int
    message: str  # lazily translated, shown on the 429 page


LIMITS = {
    # Files, not requests: one upload may hold many.
    "upload": Limit(100, 3600, gettext_lazy(
        "You have uploaded many files in the last hour. Wait a while and try again.")),
    # Each reindex sends up to 60,000 characters of a document to the model again.
    "reindex": Limit(20, 3600, gettext_lazy(
        "You have asked to process documents again too often. Wait an hour and try again.")),
    "compile": Limit(20, 3600, gettext_lazy(
        "You have compiled many PDF reports in the last hour. Wait a while and try again.")),
    "export": Limit(5, 3600, gettext_lazy(
        "You have exported your data several times in the last hour. "
        "Wait a while and try again.")),
}


class RateLimited(Exception):
    """`args[0]` is the message for the user, in their language."""


def allow(user, action: str, cost: int = 1) -> bool:
    """Counts `cost` against the user's current window; False once it is used up."""
    limit = LIMITS[action]
    key = f"rate:{action}:{user.pk}:{int(time.time() // limit.seconds)}"
    try:
        count = cache.incr(key, cost)
    except ValueError:  # the first of this window (unless another process won)
        count = cost if cache.add(key, cost, timeout=limit.seconds + 60) else cache.incr(key, cost)
    return count <= limit.count


def check(user, action: str, cost: int = 1) -> None:
    """Raises RateLimited with a clear message when the limit is reached."""
    if not allow(user, action, cost):
        raise RateLimited(str(LIMITS[action].message))


def too_many(request, action_or_error) -> HttpResponse:
    """The 429 page, in the app's look and the user's language."""
    message = (str(action_or_error) if isinstance(action_or_error, RateLimited)
               else str(LIMITS[action_or_error].message))
    return render(request, "error.html", {
        "status": 429, "title": _("Too many requests"), "message": message,
    }, status=429)
