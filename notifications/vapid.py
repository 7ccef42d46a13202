"""The server's VAPID identity for Web Push: the key pair, made once and kept in DATA_DIR
(0600) like the secret key of the embedded mode — browsers bind a subscription to the
public key, so the file must survive restarts — and the contact (subject) push services
see, from VAPID_SUBJECT."""

import base64
import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid

FILE_NAME = "vapid_private_key.pem"


def key_file() -> Path:
    return Path(settings.DATA_DIR) / FILE_NAME


def _private(path, flags):
    return os.open(path, flags, 0o600)


@cache
def _load(path: Path) -> Vapid:
    if not path.exists():
        vapid = Vapid()
        vapid.generate_keys()
        pem = vapid.private_pem()
        # Written with 0600 from the start, never readable by others even for a moment.
        with open(path, "xb", opener=_private) as f:
            f.write(pem)
    return Vapid.from_file(str(path))


def keys() -> Vapid:
    return _load(key_file())


def public_key() -> str:
    """The application server key a page passes to `pushManager.subscribe` (base64url)."""
    raw = keys().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


SUBJECT_PROBLEM = (
    "the VAPID subject %r is a placeholder: push services reach the operator through it, "
    "and Apple's refuses every message from a 'localhost' one, so no push is sent. Set "
    "VAPID_SUBJECT to mailto:you@your-domain or https://your-site (or DEFAULT_FROM_EMAIL to "
    "a real address)."
)
PLACEHOLDER_DOMAINS = ("localhost", "local", "localdomain", "invalid", "example")


def subject() -> str:
    """VAPID_SUBJECT, else a mailto: of the address DEFAULT_FROM_EMAIL sends from."""
    if configured := getattr(settings, "VAPID_SUBJECT", ""):
        return configured
    sender = settings.DEFAULT_FROM_EMAIL
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in sender else sender
    return f"mailto:{address}"


def placeholder_subject() -> str:
    """The subject when it cannot reach anyone (empty, localhost, example…), else ""."""
    value = subject()
    if value.startswith("mailto:"):
        local, _at, domain = value.removeprefix("mailto:").rpartition("@")
    elif value.startswith("https://"):
        local, domain = "x", value.removeprefix("https://").split("/", 1)[0].split(":", 1)[0]
    else:
        return value or "(empty)"
    labels = domain.lower().rstrip(".").split(".")
    if not local or len(labels) < 2 or labels[-1] in PLACEHOLDER_DOMAINS \
            or "example" in labels[-2:]:
        return value
    return ""


def claims() -> dict:
    """The JWT claims; `sub` lets a push service reach the operator."""
    return {"sub": subject()}
