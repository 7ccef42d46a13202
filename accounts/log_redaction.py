"""Secrets never reach the logs: a filter on the root handlers that masks them.

python-telegram-bot puts the bot token in the URL path and httpx logs every URL; an
exception may quote a key. The filter masks what looks like a secret (bot tokens,
`/bot<token>/` URL segments, Anthropic keys) and every value registered with `remember`
(the runtime secrets as they are read, the SMTP password, the API key). The token of a
share link (`/s/<token>/`, sharing) is masked wherever a path is logged: Django logs every
4xx answer with its path.
"""

import logging
import re
import threading

MASK = "[redacted]"

PATTERNS = [
    re.compile(r"(?<=/bot)[^/\s?#]*:[^/\s?#]+"),  # https://api.telegram.org/bot<token>/getMe
    re.compile(r"\b\d+:[A-Za-z0-9_-]{30,}"),  # a Telegram bot token anywhere
    re.compile(r"\bsk-ant-[A-Za-z0-9_-]{8,}"),  # an Anthropic API key
    re.compile(r"(?<=/s/)[^/\s?#\"']+"),  # a share link for a doctor: /s/<token>/ (sharing)
]
MIN_REMEMBERED_LENGTH = 6  # shorter values would mask ordinary words

_known: set[str] = set()
_lock = threading.Lock()


def remember(*secrets: str) -> None:
    """Adds values to mask from now on in this process (empty or short ones are ignored)."""
    new = {s for s in secrets if s and len(s) >= MIN_REMEMBERED_LENGTH and s not in _known}
    if new:
        with _lock:
            _known.update(new)


def redact(text: str) -> str:
    if not text:
        return text
    for secret in sorted(_known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in PATTERNS:
        text = pattern.sub(MASK, text)
    return text


class RedactSecrets(logging.Filter):
    """On a handler, so records of every logger (propagated to root) pass through it."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as usual
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
