"""Secret runtime settings (the SMTP URL with its password, the Telegram bot token):
stored encrypted with a key derived from SECRET_KEY, read only through `secret_setting`.

The admin never shows them (see `SecretField` and config/runtime_admin.py): it says
whether one is set, and an empty field keeps the stored value. A value stored in clear by
an older version (or by `override_config` in a test) is read as it is; the migration
`accounts.0xxx_encrypt_runtime_secrets` encrypts those.
"""

import base64
import functools
import logging
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

from . import log_redaction

logger = logging.getLogger(__name__)

SECRET_SETTINGS = ("smtp_url", "telegram_bot_token")
PREFIX = "fernet:"
# Each use has its own key derived from SECRET_KEY (HKDF's `info`).
RUNTIME = b"runtime secret settings"
TWO_FACTOR = b"two-factor secrets"  # allauth's TOTP keys and recovery seeds (adapter.py)


@functools.lru_cache(maxsize=8)
def _fernet(secret_key: str, purpose: bytes = RUNTIME) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"anamnesis",
               info=purpose).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str, purpose: bytes = RUNTIME) -> str:
    if not plain:
        return ""
    return PREFIX + _fernet(settings.SECRET_KEY, purpose).encrypt(plain.encode()).decode()


def decrypt(stored: str, purpose: bytes = RUNTIME) -> str:
    """The clear value; a value without the prefix is one stored in clear, returned as it
    is. A value encrypted with another SECRET_KEY reads as empty (and says so in the log)."""
    stored = stored or ""
    if not stored.startswith(PREFIX):
        return stored
    token = stored[len(PREFIX):].encode()
    # SECRET_KEY_FALLBACKS keep values readable while a new SECRET_KEY is rolled out.
    for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return _fernet(key, purpose).decrypt(token).decode()
        except InvalidToken:
            continue
    logger.error("a stored secret (%s) cannot be decrypted (SECRET_KEY changed?); "
                 "set it again", purpose.decode())
    return ""


def is_encrypted(stored: str) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def secret_setting(name: str, default: str = "") -> str:
    """The one reader of a secret runtime setting: decrypted, stripped, and remembered so
    that the log filter masks it. `default` when the settings table is not there yet."""
    from constance import config

    if name not in SECRET_SETTINGS:
        raise KeyError(name)
    try:
        stored = getattr(config, name) or ""
    except DatabaseError:  # not migrated yet
        return default
    value = decrypt(stored).strip()
    log_redaction.remember(value, _password_of(value))
    return value


def _password_of(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


def describe(name: str, stored: str) -> str:
    """What the admin shows instead of the value: "not set", "set", or for the SMTP URL
    the URL with its password masked (host and user are not secrets)."""
    value = decrypt(stored or "")
    if not value:
        return str(_("not set"))
    if name == "smtp_url":
        try:
            parts = urlsplit(value)
            if parts.password:
                netloc = parts.netloc.replace(":" + parts.password + "@", ":•••@", 1)
                value = urlunsplit(parts._replace(netloc=netloc))
            return str(_("set: %(value)s")) % {"value": value}
        except ValueError:
            pass
    return str(_("set"))


class SecretInput(forms.PasswordInput):
    def __init__(self, attrs=None):
        attrs = {"autocomplete": "new-password", "placeholder": _("(unchanged)"),
                 "size": 60, **(attrs or {})}
        super().__init__(attrs=attrs, render_value=False)


class SecretField(forms.CharField):
    """A write-only field: it never renders the stored value; an empty field keeps it."""

    widget = SecretInput

    def __init__(self, *args, **kwargs):
        kwargs["required"] = False
        kwargs.pop("widget", None)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        # The admin's "Default" and "Value" columns go through here: never the secret.
        return "" if value in (None, "") else "•••"
