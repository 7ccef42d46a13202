"""SMTP URLs as mailer entries; plain standard library, so config/settings.py can read
EMAIL_URL with it at start-up and mail.py the runtime setting at send time."""

from urllib.parse import unquote, urlsplit


def mailer_from_url(url: str) -> dict:
    """A MAILERS entry from smtp://user:pass@host:port (smtp+tls:// STARTTLS, smtps:// SSL)."""
    if not url:
        # SMTP may still be set at runtime in the admin; without it mail goes to the log.
        return {"BACKEND": "notifications.mail.RuntimeEmailBackend"}
    parts = urlsplit(url)
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or 25,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": parts.scheme in {"smtp+tls", "submission"},
            "use_ssl": parts.scheme in {"smtps", "smtp+ssl"},
            "timeout": 20,
        },
    }
