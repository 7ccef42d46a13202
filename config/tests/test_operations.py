"""Deployment settings and operations: /healthz, the compose health check and ports,
check --deploy without EMAIL_URL, HSTS preload and the proxy header opt-ins."""

import importlib.util
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **variables):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "ANAMNESIS_TESTING",
                        "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(60), "ALLOWED_HOSTS": "anamnesis.example.com",
        # Never connected to by these checks: only the settings are looked at.
        "DATABASE_URL": "postgres://anamnesis:x@127.0.0.1:1/anamnesis",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        # A real contact for push services (a placeholder is a warning: notifications.W001).
        "VAPID_SUBJECT": "mailto:ops@anamnesis-health.org", **variables,
    })
    return env


def probe(tmp_path, expression: str, **variables):
    code = ("import django, json; django.setup()\nfrom django.conf import settings\n"
            f"print(json.dumps({expression}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env=production_env(tmp_path, **variables), check=True)
    return json.loads(result.stdout)


# --- /healthz ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_database_cache_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["cache"].startswith("unreachable") and body["broker"].startswith("unreachable")


# --- compose ----------------------------------------------------------------------------


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "scripts/healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("allowed", "host"), [
    ("anamnesis.example.com,localhost", "anamnesis.example.com"),
    (".example.com", "example.com"),
    ("*", "localhost"),
    ("", "localhost"),
])
def test_the_health_check_sends_a_host_that_allowed_hosts_accepts(
    monkeypatch, allowed, host, client, settings, db
):
    monkeypatch.setenv("ALLOWED_HOSTS", allowed)
    assert load_healthcheck().host_header() == host
    settings.ALLOWED_HOSTS = [h for h in allowed.split(",") if h] or ["localhost"]
    assert client.get("/healthz", HTTP_HOST=host).status_code == 200


def test_the_health_check_passes_against_a_running_server(live):
    env = {**os.environ, "ALLOWED_HOSTS": "localhost", "HEALTHCHECK_PORT": str(live.port)}
    result = subprocess.run([sys.executable, "scripts/healthcheck.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["database"] == "ok"


def test_compose_uses_the_health_check_and_publishes_on_localhost_only():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    web = compose["services"]["web"]
    assert web["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py"]
    # Only the proxy publishes a port (web replicas scale behind it, config/tests/test_proxy.py).
    assert "ports" not in web
    assert compose["services"]["proxy"]["ports"] == ["${BIND_ADDRESS:-127.0.0.1}:${PORT:-8000}:8000"]
    environment = compose["x-app"]["environment"]
    # Clients reach daphne only through the proxy, whose X-Forwarded-Proto is the scheme.
    assert environment["SECURE_PROXY_SSL_HEADER"] == "${SECURE_PROXY_SSL_HEADER:-X-Forwarded-Proto}"
    assert "scripts" not in (ROOT / ".dockerignore").read_text().split()


def test_docker_compose_resolves_the_port_to_127_0_0_1():
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "compose.yaml"), "config"], capture_output=True,
        text=True, cwd="/tmp", env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x",
                                    "POSTGRES_PASSWORD": "x"},
    )
    assert result.returncode == 0, result.stderr
    ports = yaml.safe_load(result.stdout)["services"]["proxy"]["ports"]
    assert ports in (["127.0.0.1:8000:8000/tcp"], [{"host_ip": "127.0.0.1", "mode": "ingress",
                     "protocol": "tcp", "published": "8000", "target": 8000}]), ports


# --- check --deploy, HSTS, the proxy header ----------------------------------------------------


def test_check_deploy_passes_without_email_url(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_without_email_url_mail_uses_the_runtime_smtp_setting(tmp_path):
    assert probe(tmp_path, 'settings.MAILERS["default"]["BACKEND"]') == \
        "notifications.mail.RuntimeEmailBackend"


@pytest.mark.django_db
def test_the_runtime_mailer_sends_through_the_smtp_set_in_the_admin(settings):
    from constance.test.pytest import override_config
    from django.core.mail import EmailMessage

    from notifications.mail import RuntimeEmailBackend
    from tests.fakes.smtp_server import FakeSMTPServer

    server = FakeSMTPServer().start()
    try:
        with override_config(smtp_url=server.url):
            sent = RuntimeEmailBackend(alias="default").send_messages(
                [EmailMessage("Hello", "Body", "a@example.com", ["b@example.com"])])
        assert sent == 1 and [m["Subject"] for m in server.messages] == ["Hello"]
    finally:
        server.stop()


def test_hsts_preload_is_off_unless_asked_for(tmp_path):
    expression = "[settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_PRELOAD]"
    seconds, preload = probe(tmp_path, expression)
    assert seconds > 0 and preload is False
    assert probe(tmp_path, expression, SECURE_HSTS_PRELOAD="1")[1] is True


def test_x_forwarded_proto_is_trusted_only_when_configured(tmp_path):
    assert probe(tmp_path, "settings.SECURE_PROXY_SSL_HEADER") is None
    assert probe(tmp_path, "settings.SECURE_PROXY_SSL_HEADER",
                 SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto") == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.django_db
def test_a_client_cannot_claim_https_by_itself(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.wsgi_request.is_secure() is False
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.wsgi_request.is_secure() is True
