"""`make run`'s supervisor with real processes: daphne, qcluster and the Telegram bot
(against the fake Bot API, which rejects the token), on an embedded instance of its own."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.fakes.telegram_server import FakeTelegramServer

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the supervisor runs its own embedded instance, the same in both suites: it is "
           "tested once, in the SQLite suite",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marked_processes(mark: str) -> list[int]:
    """Every live process whose environment carries `mark`: all the supervisor started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s")


def healthy(url) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def test_parts_are_supervised_and_all_stop_on_sigterm(tmp_path):
    mark = f"SUPERVISE_TEST_{uuid.uuid4().hex}"
    port = free_port()
    telegram = FakeTelegramServer().start()
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "ANAMNESIS_TESTING"}}
    env.update({
        "DATA_DIR": str(tmp_path / "data"), "PORT": str(port), "HOST": "127.0.0.1",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
        "TELEGRAM_BOT_TOKEN": "999999:rejected-token", "TELEGRAM_API_URL": telegram.url,
        "Q_WORKERS": "1", mark: "1",
    })
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    log_path = tmp_path / "supervisor.log"
    with open(log_path, "wb") as log_file:
        supervisor = subprocess.Popen([sys.executable, "scripts/supervise.py"], cwd=ROOT,
                                      env=env, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def log():
        return log_path.read_text(errors="replace")

    try:
        wait_for(lambda: healthy(url), 90, "the web server did not serve")
        # The bot with a rejected token waits and says so; it does not exit.
        wait_for(lambda: "rejected the Telegram bot token" in log(), 90,
                 "the bot did not say its token was rejected")
        assert "bot exited" not in log() and "bot was killed" not in log()

        # The worker dies (as an out-of-memory kill would do it, its children too).
        worker_pid = int(re.search(r"started worker \(pid (\d+)\)", log()).group(1))
        os.killpg(worker_pid, signal.SIGKILL)
        wait_for(lambda: "worker was killed by SIGKILL" in log(), 10,
                 "the supervisor did not notice the worker's death")
        assert healthy(url)  # the web server kept serving
        restarted = wait_for(
            lambda: [int(p) for p in re.findall(r"started worker \(pid (\d+)\)", log())
                     if int(p) != worker_pid], 30, "the worker was not restarted")
        assert restarted and healthy(url)
        wait_for(lambda: "Q Cluster" in log().split(f"pid {restarted[0]}")[-1], 60,
                 "the restarted worker did not start its cluster")
        assert supervisor.poll() is None
        assert len(marked_processes(mark)) >= 4  # supervisor, daphne, qcluster (+children), bot

        started = time.monotonic()
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=15)
        elapsed = time.monotonic() - started
        assert elapsed < 10, f"stopping took {elapsed:.1f} s"
        time.sleep(0.3)  # let init reap what was killed
        assert marked_processes(mark) == [], log()
    finally:
        for pid in marked_processes(mark):
            os.kill(pid, signal.SIGKILL)
        telegram.stop()
