"""compose.yaml and the Dockerfile describe the production deployment of SPEC §3."""

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from config.tests.configuration_table import documented_variables

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "bot")
# Variables of the README's table that configure compose itself, not the app: the proxy's
# published address and what Caddy serves.
COMPOSE_ONLY = {"BIND_ADDRESS", "SITE_ADDRESS"}


def compose_config(*files, **variables):
    """`docker-compose config` (Debian's, v1) over the files: it validates and resolves
    them without a Docker engine, which does not run here."""
    assert shutil.which("docker-compose"), "make test installs docker-compose"
    result = subprocess.run(
        ["docker-compose", *[arg for name in files for arg in ("-f", str(ROOT / name))],
         "config"],
        capture_output=True, text=True, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", "POSTGRES_PASSWORD": "x", **variables},
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def published(port) -> tuple[str, str]:
    """(host address, host port) of a resolved port entry, short ("127.0.0.1:8000:8000/tcp")
    or long (a mapping) as docker-compose writes them."""
    if isinstance(port, dict):
        return port.get("host_ip", ""), str(port.get("published"))
    parts = port.split("/")[0].split(":")
    return (parts[0] if len(parts) == 3 else ""), parts[-2]


def test_compose_file_is_valid():
    config = compose_config("compose.yaml")
    assert set(config["services"]) == {"postgres", "redis", "web", "worker", "bot", "proxy"}
    # With TLS by Caddy itself: the same proxy, also on 80 and 443.
    tls = compose_config("compose.yaml", "compose.tls.yaml", SITE_ADDRESS="health.example.org")
    ports = {published(port)[1] for port in tls["services"]["proxy"]["ports"]}
    assert {"80", "443"} <= ports
    assert tls["services"]["proxy"]["environment"]["SITE_ADDRESS"] == "health.example.org"


def test_compose_passes_every_documented_variable_to_web_worker_and_bot():
    """README's configuration table and compose's environment cannot drift apart: a
    variable documented but not passed (SITE_URL, S3_*, the OAuth settings, CONN_MAX_AGE
    were) would silently do nothing in production."""
    documented = set(documented_variables())
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    for name in APP_SERVICES:
        passed = set(compose["services"][name]["environment"])
        assert passed == documented - COMPOSE_ONLY, (
            f"{name}: not passed {sorted(documented - COMPOSE_ONLY - passed)}, "
            f"not documented {sorted(passed - documented)}")
    # The compose-only ones are used by the proxy.
    proxy = yaml.dump(compose["services"]["proxy"])
    assert all(f"${{{name}" in proxy for name in COMPOSE_ONLY)


def test_every_variable_the_settings_read_is_documented():
    source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env(?:_bool|_int|_list)?\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert read, "the settings read their variables through env()"
    assert read - {"ANAMNESIS_TESTING"} - set(documented_variables()) == set()


def test_a_documented_variable_reaches_the_containers_as_written_in_env():
    """What a person writes in .env is what the app sees; what they leave out is empty
    (read as unset, config/tests/test_settings_modes.py)."""
    config = compose_config("compose.yaml", SITE_URL="https://health.example.org",
                            S3_BUCKET="records")
    for name in APP_SERVICES:
        environment = config["services"][name]["environment"]
        assert environment["SITE_URL"] == "https://health.example.org"
        assert environment["S3_BUCKET"] == "records"
        assert environment["ANTHROPIC_MODEL"] in ("", None)


def test_only_the_proxy_publishes_a_port():
    """`docker compose up --scale web=3` needs a web service without a fixed host port."""
    config = compose_config("compose.yaml")
    publishing = {name for name, service in config["services"].items() if service.get("ports")}
    assert publishing == {"proxy"}
    (port,) = config["services"]["proxy"]["ports"]
    assert published(port) == ("127.0.0.1", "8000")
    volumes = config["services"]["proxy"]["volumes"]
    assert any(str(volume).startswith(str(ROOT / "Caddyfile")) or
               (isinstance(volume, dict) and volume.get("source") == str(ROOT / "Caddyfile"))
               for volume in volumes), volumes


def test_compose_has_the_production_services():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "daphne" in " ".join(services["web"]["command"])
    assert "migrate" in " ".join(services["web"]["command"])
    # The job and delivery clusters (qcluster twice), under the supervisor.
    assert services["worker"]["command"] == ["python", "scripts/supervise.py", "worker",
                                             "delivery"]
    assert "telegram_bot" in " ".join(services["bot"]["command"])
    for name in ["web", "worker", "bot"]:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://")
    assert set(compose["volumes"]) >= {"postgres-data", "redis-data", "app-data"}


def test_web_replicas_migrate_one_at_a_time(tmp_path):
    """--scale web=3 starts three web containers at once: each runs migrate under a lock on
    the shared data volume, so two never apply the same migration together."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    command = compose["services"]["web"]["command"][-1]
    assert command.startswith("flock /data/.migrate.lock sh -c 'python manage.py migrate")
    assert shutil.which("flock")
    # The lock really serialises: two holders of it run one after the other.
    lock, trace = tmp_path / "lock", tmp_path / "trace"
    step = f"flock {lock} sh -c 'echo start >> {trace}; sleep 0.3; echo end >> {trace}'"
    subprocess.run(["sh", "-c", f"{step} & {step} & wait"], check=True)
    assert trace.read_text().split() == ["start", "end", "start", "end"]


def test_dockerfile_installs_ocr_and_runs_daphne():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "tesseract-ocr-rus" in dockerfile
    assert "uv sync --frozen" in dockerfile
    assert "daphne" in dockerfile


def test_web_reads_proxy_headers_only_when_proxies_are_trusted():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    web = compose["services"]["web"]
    # Caddy is always in front in compose: one proxy, unless told otherwise.
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
    command = web["command"][-1].replace("$$", "$")
    for count, expected in (("0", "daphne -b 0.0.0.0 -p 8000 config.asgi:application"),
                            ("1", "daphne -b 0.0.0.0 -p 8000 --proxy-headers config.asgi")):
        script = command.split("python manage.py ensure_admin' &&")[1].replace("exec ", "echo ")
        result = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                                env={"PATH": "/usr/bin:/bin", "TRUSTED_PROXY_COUNT": count})
        assert expected in result.stdout, result.stderr
