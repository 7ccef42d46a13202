"""The server's VAPID key pair for Web Push, made once and kept in DATA_DIR (0600), like
the secret key of the embedded mode. Browsers bind a subscription to the public key, so
the file must survive restarts: a new key means every device subscribes again."""

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


def claims() -> dict:
    """The JWT claims; `sub` lets a push service reach the operator."""
    sender = settings.DEFAULT_FROM_EMAIL
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in sender else sender
    return {"sub": f"mailto:{address}"}
