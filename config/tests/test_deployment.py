"""compose.yaml and the Dockerfile describe the production deployment of SPEC §3."""

import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_is_valid():
    """Debian's docker-compose validates the file (no Docker engine is needed for that)."""
    assert shutil.which("docker-compose"), "make test installs docker-compose"
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
        capture_output=True, text=True, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", "POSTGRES_PASSWORD": "x"},
    )
    assert result.returncode == 0, result.stderr


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


def test_dockerfile_installs_ocr_and_runs_daphne():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "tesseract-ocr-rus" in dockerfile
    assert "uv sync --frozen" in dockerfile
    assert "daphne" in dockerfile


def test_web_reads_proxy_headers_only_when_proxies_are_trusted():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    web = compose["services"]["web"]
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-0}"
    command = web["command"][-1].replace("$$", "$")
    for count, expected in (("0", "daphne -b 0.0.0.0 -p 8000 config.asgi:application"),
                            ("1", "daphne -b 0.0.0.0 -p 8000 --proxy-headers config.asgi")):
        script = command.split("&& python manage.py ensure_admin &&")[1].replace("exec ", "echo ")
        result = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                                env={"PATH": "/usr/bin:/bin", "TRUSTED_PROXY_COUNT": count})
        assert expected in result.stdout, result.stderr
