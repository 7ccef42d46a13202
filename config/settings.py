"""Anamnesis settings: one module, read from the environment.

Without any variable set, the app runs in the embedded mode (SQLite, in-process channel
layer, ORM job broker, local-memory cache). DATABASE_URL and REDIS_URL switch to the
production mode.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.privacy import make_private

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable's value, or `default` when it is unset or empty: compose passes
    `NAME: ${NAME:-}`, so an unset variable arrives as "" and must mean the same."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / ".data"))).resolve()
# Before anything is written: a umask for every process, and older files tightened.
make_private(DATA_DIR)

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("ANAMNESIS_TESTING", False)


def _secret_key() -> str:
    """SECRET_KEY, or one generated once and kept in DATA_DIR for the embedded mode."""
    if key := env("SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PORT = env_int("PORT", 8000)
# Where users reach this instance: links in emails (one-click dose answers) start with it.
SITE_URL = env("SITE_URL", f"http://localhost:{PORT}")

INSTALLED_APPS = [
    "daphne",
    "modeltranslation",  # before admin, so translated fields show in it
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "django_q",
    "constance",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "allauth.usersessions",
    "accounts",
    "chats",
    "labs",
    "documents",
    "memory",
    "skills",
    "notifications",
    "telegram_bot",
    "interop",
    "sharing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.request_guards.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.no_store.NoStoreMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's UserSessionsMiddleware, recording a session's activity once a minute.
    "accounts.session_activity.SessionActivityMiddleware",
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "config.forms.FormRenderer"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.shell",
            ],
            # `{% load lucide %}` is the package's tag with each rendered icon cached (the
            # package is not an installed app, so its own library does not clash with this).
            "libraries": {"lucide": "accounts.icons"},
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    # Persistent connections, checked before each request reuses one: after a database
    # restart the next request reconnects instead of failing on a dead connection.
    DATABASES = {"default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            "OPTIONS": {
                # WAL and a busy timeout let the web server and the worker share the file.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a live server process in the tests shares it.
    DATABASES["default"]["TEST"].setdefault("NAME", str(DATA_DIR / "test-db.sqlite3"))
EMBEDDED = DATABASES["default"]["ENGINE"].endswith("sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, job broker -----------------------------------------
REDIS_URL = env("REDIS_URL")
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", "anamnesis")
if TESTING and REDIS_URL and (_worker := os.environ.get("PYTEST_XDIST_WORKER")):
    # `pytest -n` (the variable is pytest-xdist's, not a setting): each worker its own
    # Redis database (gw0 → 1, gw1 → 2, …), as it has its own test database: a test's
    # cache.clear() (FLUSHDB) or queued job must not reach the other worker; pub/sub
    # ignores the database number, hence the prefix too.
    _url = urlsplit(REDIS_URL)
    REDIS_URL = urlunsplit(_url._replace(path=f"/{int(_worker.removeprefix('gw')) + 1}"))
    CACHE_KEY_PREFIX = f"{CACHE_KEY_PREFIX}-{_worker}"
if REDIS_URL:
    CACHES = {
        "default": {
            # Fail-soft (config/cache.py): with Redis down pages are still served.
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CACHE_KEY_PREFIX},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

Q_CLUSTER = {
    "name": "anamnesis",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 600,
    "retry": 720,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "label": "Jobs",
    # Delivery has a cluster of its own (`Q_CLUSTER_NAME=delivery manage.py qcluster`, run
    # by make run and compose's worker beside the default one) with its own queue and its
    # own schedules (notifications: deliver due, sweep stale deliveries): documents and
    # exports, which may hold every default worker for many minutes, never delay a reminder.
    # Two workers: a delivery pass lasts until the next one has started.
    "ALT_CLUSTERS": {
        "delivery": {"workers": 2, "timeout": 420, "retry": 480, "label": "Delivery"},
    },
}
DELIVERY_CLUSTER = "delivery"
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

EMAIL_URL = env("EMAIL_URL")
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Without a mail server a mandatory verification would lock everybody out.
ACCOUNT_EMAIL_VERIFICATION = env(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory" if EMAIL_URL else "optional"
)
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True


def social_providers() -> dict:
    """OAuth / OIDC apps from the environment; more can be added in the admin (Social apps)."""
    providers = {
        "google": {"SCOPE": ["profile", "email"], "AUTH_PARAMS": {"access_type": "online"},
                   "OAUTH_PKCE_ENABLED": True},
        "github": {"SCOPE": ["read:user", "user:email"]},
        "openid_connect": {"OAUTH_PKCE_ENABLED": True},
    }
    if env("GITHUB_URL"):  # GitHub Enterprise
        providers["github"]["GITHUB_URL"] = env("GITHUB_URL")
    for name in ("google", "github"):
        if client_id := env(f"{name.upper()}_CLIENT_ID"):
            providers[name]["APPS"] = [
                {"client_id": client_id, "secret": env(f"{name.upper()}_CLIENT_SECRET")}
            ]
    if server_url := env("OIDC_SERVER_URL"):  # Keycloak realm, Authentik application…
        providers["openid_connect"]["APPS"] = [{
            "provider_id": env("OIDC_PROVIDER_ID", "oidc"),
            "name": env("OIDC_NAME", "OpenID Connect"),
            "client_id": env("OIDC_CLIENT_ID"),
            "secret": env("OIDC_CLIENT_SECRET"),
            "settings": {"server_url": server_url},
        }]
    return providers


SOCIALACCOUNT_PROVIDERS = social_providers()
MFA_ADAPTER = "accounts.adapter.MFAAdapter"  # two-factor secrets encrypted at rest
# Passkeys (WebAuthn) as a second factor and as a password-less sign-in. Browsers offer
# them only in a secure context: https, or http://localhost.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Anamnesis"
USERSESSIONS_TRACK_ACTIVITY = True

# --- Email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Anamnesis <anamnesis@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Web Push: how push services reach the operator (mailto: or https:). Empty: a mailto: of
# DEFAULT_FROM_EMAIL. A placeholder (…@localhost) stops push: Apple refuses it.
VAPID_SUBJECT = env("VAPID_SUBJECT")

from notifications.smtp import mailer_from_url  # noqa: E402  (plain stdlib, no app loading)

MAILERS = {"default": mailer_from_url(EMAIL_URL)}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "UTC")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "ru")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"  # never served directly: only through authorised views
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "region_name": env("S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = True  # static files work without collectstatic in the embedded mode
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_NUMBER_FILES = 50

# --- Security -------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind TLS in production: cookies only over HTTPS, HSTS, redirects.
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG and bool(DATABASE_URL))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_COOKIES else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading is a promise to browsers that is hard to take back: only on request.
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0 and env_bool("SECURE_HSTS_PRELOAD", False)
# The scheme header of a reverse proxy is trusted only when configured: a client talking
# to the server directly could otherwise claim HTTPS. Set it to the header your proxy
# overwrites on every request, e.g. SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + env("SECURE_PROXY_SSL_HEADER").upper().replace("-", "_"), "https")
    if env("SECURE_PROXY_SSL_HEADER") else None
)
# Reverse proxies of our own in front (accounts/proxies.py): the client's address is that
# many entries from the right of X-Forwarded-For. 0: the header is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
SILENCED_SYSTEM_CHECKS = [
    # TLS is terminated by the reverse proxy, which also redirects HTTP to HTTPS.
    "security.W008",
]
if not SECURE_HSTS_PRELOAD:
    # Off on purpose (see above); SECURE_HSTS_PRELOAD=1 switches it on.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- Runtime settings (editable in the admin) -----------------------------------------
CONSTANCE_BACKEND = "constance.backends.database.DatabaseBackend"
CONSTANCE_ADDITIONAL_FIELDS = {
    "password": ["django.forms.CharField", {"widget": "django.forms.PasswordInput",
                                            "required": False}],
    # Write-only and stored encrypted: read them through accounts.runtime_secrets.secret_setting.
    "secret": ["accounts.runtime_secrets.SecretField", {}],
}
# Weighted tokens (chats/budget.py: cache reads count a tenth) a user may spend a month
# unless an administrator lifts it: about 400 chat turns or 100 documents read. Finite by
# default, so an account nobody watches cannot run up the bill (issue 22).
DEFAULT_MONTHLY_TOKEN_BUDGET = 2_000_000
CONSTANCE_CONFIG = {
    "self_registration_enabled": (False, _("Anyone can create an account on the sign-up page (the first account of a new instance can always be created: it becomes the administrator)."), bool),
    "default_max_chats": (100, _("Chats a user may have when their own limit is empty."), int),
    "claude_model": (env("ANTHROPIC_MODEL", "claude-sonnet-5-5"), _("Claude model used by the assistant."), str),
    "smtp_url": ("", _("SMTP server as smtp://user:pass@host:port (empty: EMAIL_URL)."), "secret"),
    "smtp_from_email": ("", _("Sender address of notification emails (empty: DEFAULT_FROM_EMAIL)."), str),
    "telegram_bot_token": (env("TELEGRAM_BOT_TOKEN"), _("Telegram bot token."), "secret"),
    "upload_max_file_mb": (25, _("Largest file a user may upload, in MB."), int),
    "upload_quota_mb": (1024, _("Storage each user may use for documents, in MB."), int),
    "import_max_file_mb": (2048, _("Largest file a user may import (an Apple Health export, a FHIR or C-CDA file), in MB."), int),
    "daily_review_hour": (7, _("Hour of the day (user's timezone) of the proactive review."), int),
    "backup_enabled": (True, _("Back up the database and files every day (into DATA_DIR/backups/, or the S3 bucket when uploads are stored there)."), bool),
    "backup_hour": (3, _("Hour of the day (server time zone) of the daily backup."), int),
    "backup_keep": (7, _("Daily backups kept; older ones are deleted (backups made by hand are never deleted)."), int),
    "monthly_token_budget": (DEFAULT_MONTHLY_TOKEN_BUDGET, _("Tokens the assistant may use per user in a calendar month (chats, document extraction, daily review), unless the user has their own budget; 0: unlimited."), int),
}
CONSTANCE_CONFIG_FIELDSETS = (
    (_("Accounts"), ("self_registration_enabled", "default_max_chats")),
    (_("Assistant"), ("claude_model", "daily_review_hour", "monthly_token_budget")),
    (_("Documents"), ("upload_max_file_mb", "upload_quota_mb", "import_max_file_mb")),
    (_("Delivery"), ("smtp_url", "smtp_from_email", "telegram_bot_token")),
    (_("Backups"), ("backup_enabled", "backup_hour", "backup_keep")),
)

ANTHROPIC_API_KEY = env("ANTHROPIC_API_KEY")
# Any Anthropic-compatible server (Ollama, llama.cpp…); set alone, it configures the assistant.
ANTHROPIC_BASE_URL = env("ANTHROPIC_BASE_URL")
TELEGRAM_API_URL = env("TELEGRAM_API_URL", "https://api.telegram.org")

# Secrets known from the environment are masked in every log line (accounts/log_redaction.py);
# the runtime ones join when they are read.
from accounts import log_redaction  # noqa: E402

log_redaction.remember(
    ANTHROPIC_API_KEY, env("TELEGRAM_BOT_TOKEN"), env("S3_SECRET_ACCESS_KEY"),
    MAILERS["default"].get("OPTIONS", {}).get("password", ""),
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "accounts.log_redaction.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # httpx logs every request URL at INFO, and the Bot API has the token in its path.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
