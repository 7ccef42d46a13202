"""The same settings module gives the embedded and the production mode from the environment."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "broker": "redis" if "redis" in settings.Q_CLUSTER else "orm",
    "media": str(settings.MEDIA_ROOT),
    "tz": settings.TIME_ZONE,
    "hosts": settings.ALLOWED_HOSTS,
    "email": settings.MAILERS["default"]["BACKEND"],
    "email_host": settings.MAILERS["default"].get("OPTIONS", {}).get("host", ""),
    "email_tls": settings.MAILERS["default"].get("OPTIONS", {}).get("use_tls", False),
    "model": settings.CONSTANCE_CONFIG["claude_model"][0],
}))
"""


def settings_with(tmp_path, **variables):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path), **variables})
    code = "import django; django.setup()\n" + PROBE
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_embedded_mode_needs_no_configuration(tmp_path):
    values = settings_with(tmp_path)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["db_name"] == str(tmp_path / "db.sqlite3")
    assert values["cache"].endswith("LocMemCache")
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["broker"] == "orm"
    assert values["media"] == str(tmp_path / "media")
    assert (tmp_path / "secret_key").exists()


def test_production_mode_from_database_and_redis_urls(tmp_path):
    values = settings_with(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.internal:5432/anamnesis",
        REDIS_URL="redis://cache.internal:6379/0",
        TIME_ZONE="Europe/Moscow",
        ALLOWED_HOSTS="health.example.org",
        ANTHROPIC_MODEL="claude-opus-4-1",
    )
    assert values["db"] == "django.db.backends.postgresql"
    assert values["db_name"] == "anamnesis"
    assert values["cache"].endswith("RedisCache")
    assert values["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert values["broker"] == "redis"
    assert values["tz"] == "Europe/Moscow"
    assert values["hosts"] == ["health.example.org"]
    assert values["model"] == "claude-opus-4-1"


def test_email_url_configures_smtp(tmp_path):
    values = settings_with(tmp_path, EMAIL_URL="smtp+tls://me:secret@mail.example.org:587")
    assert values["email"].endswith("smtp.EmailBackend")
    assert values["email_host"] == "mail.example.org"
    assert values["email_tls"] is True


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATA_DIR=str(tmp_path),
        SECRET_KEY="x" * 20 + "-a-long-random-production-secret-key-value-0123456789",
        DATABASE_URL="postgres://u:p@db.internal:5432/anamnesis",
        REDIS_URL="redis://cache.internal:6379/0",
        ALLOWED_HOSTS="health.example.org",
        EMAIL_URL="smtp+tls://mailer:secret@mail.example.org:587",
        VAPID_SUBJECT="mailto:ops@anamnesis-health.org",
        DEBUG="false",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


EVERYTHING = """
import json, re
import django
django.setup()
from django.conf import settings
from chats import llm
values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
values["anthropic base url"] = str(llm.sync_client().base_url)
# objects (a widget, a lazy string) by their text, without their address in memory
print(json.dumps(values, default=lambda o: re.sub(" at 0x[0-9a-f]+", "", str(o)),
                 sort_keys=True))
"""


def test_an_empty_variable_means_the_same_as_an_unset_one(tmp_path):
    """compose passes `NAME: ${NAME:-}`: a variable the .env leaves out arrives as "". Every
    variable of the README's table, set to "", gives the settings of none set. The project
    is seen from a copy of config/ (the rest linked), so the default DATA_DIR, which sits
    beside the code, is a throwaway one."""
    from config.tests.configuration_table import documented_variables

    variables = documented_variables()
    assert {"ANTHROPIC_MODEL", "TELEGRAM_API_URL", "DEFAULT_FROM_EMAIL", "SITE_URL",
            "DATA_DIR", "CONN_MAX_AGE", "S3_BUCKET", "OIDC_PROVIDER_ID"} <= set(variables)
    tree = tmp_path / "tree"
    tree.mkdir()
    for entry in ROOT.iterdir():
        if entry.name == "config":
            shutil.copytree(entry, tree / "config", ignore=shutil.ignore_patterns("__pycache__"))
        elif entry.name not in {".data", ".venv", ".git"}:
            (tree / entry.name).symlink_to(entry)
    base = {k: v for k, v in os.environ.items()
            if k not in variables and not k.startswith("ANTHROPIC_")}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(tree))

    def load(env):
        result = subprocess.run([sys.executable, "-c", EVERYTHING], cwd=tree, env=env,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout)

    unset = load(base)
    empty = load({**base, **dict.fromkeys(variables, "")})
    differing = {name: (unset[name], empty.get(name)) for name in unset
                 if unset[name] != empty.get(name)}
    assert differing == {}
    # What each empty variable used to become, and what a user noticed:
    assert empty["CONSTANCE_CONFIG"]["claude_model"][0] == "claude-sonnet-5-5"  # no model
    assert empty["TELEGRAM_API_URL"] == "https://api.telegram.org"  # the bot cannot connect
    assert empty["DEFAULT_FROM_EMAIL"] == "Anamnesis <anamnesis@localhost>"  # no sender
    assert empty["SITE_URL"] == "http://localhost:8000"
    assert empty["anthropic base url"] == "https://api.anthropic.com"  # the SDK took "" as its address
    assert empty["DATA_DIR"] == str(tree / ".data")
    assert empty["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
