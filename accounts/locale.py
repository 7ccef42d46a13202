"""The user's timezone and language, each with one fallback, in one place.

`zone_of(user)` and `language_of(user)` accept any user (a `User`, an anonymous user or
None); `User.zone` and `User.language_code` are the same for a signed-in user.
`user_language(user)` activates the user's language for a block. `model_language_name`
is how the model is told which language to write in.
"""

from contextlib import contextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import translation

MODEL_LANGUAGE_NAMES = {"en": "English", "ru": "Russian (русский)"}


def _zone_named(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def default_zone() -> ZoneInfo:
    return _zone_named(getattr(settings, "TIME_ZONE", "") or "") or ZoneInfo("UTC")


def zone_of(user) -> ZoneInfo:
    """The user's timezone; the instance's (settings.TIME_ZONE, else UTC) when the stored
    name is empty or not a timezone, or there is no signed-in user."""
    return _zone_named(getattr(user, "timezone", "") or "") or default_zone()


def _supported(code: str | None) -> str | None:
    return code if code and code in dict(settings.LANGUAGES) else None


def default_language() -> str:
    return _supported(settings.LANGUAGE_CODE) or "en"


def language_of(user, default: str | None = None) -> str:
    """The user's language code; else `default`, else settings.LANGUAGE_CODE, else "en"."""
    return _supported(getattr(user, "language", None)) or _supported(default) or default_language()


def model_language_name(code: str | None) -> str:
    """The language as the model is told to write in it: "English", "Russian (русский)"."""
    return MODEL_LANGUAGE_NAMES.get(code or "", MODEL_LANGUAGE_NAMES[default_language()])


@contextmanager
def user_language(user, default: str | None = None):
    """Activates the user's language (see `language_of`) for the block, then restores the
    language that was active before."""
    with translation.override(language_of(user, default)):
        yield
