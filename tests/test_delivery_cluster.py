"""Reminders have a cluster of their own: with every worker of the job cluster busy on
slow jobs (documents, exports), a due reminder still goes out within 60 s. Real qcluster
processes under scripts/supervise.py, on an embedded instance of its own."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.test_supervisor import marked_processes, wait_for

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_SECONDS = 60

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="runs its own embedded instance, the same in both suites: tested once, in the "
           "SQLite suite",
)


def _manage(env, code: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def test_a_due_reminder_goes_out_while_both_document_workers_are_busy(tmp_path):
    mark = f"DELIVERY_TEST_{uuid.uuid4().hex}"
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "ANAMNESIS_TESTING", "Q_CLUSTER_NAME"}}
    env.update({"DATA_DIR": str(data), "Q_WORKERS": "2", mark: "1",
                "PATH": f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}"})
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    busy = [tmp_path / f"busy-{n}" for n in range(3)]
    # Two slow jobs for the two workers of the job cluster, and one more waiting behind.
    _manage(env, "from django_q.tasks import async_task\n" + "".join(
        f"async_task('tests.slow_job.occupy', {str(path)!r}, 300)\n" for path in busy))
    log_path = tmp_path / "supervisor.log"
    with open(log_path, "wb") as log_file:
        supervisor = subprocess.Popen(
            [sys.executable, "scripts/supervise.py", "worker", "delivery"], cwd=ROOT, env=env,
            stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: busy[0].exists() and busy[1].exists(), 90,
                 "the job cluster's two workers did not take the slow jobs")
        assert not busy[2].exists(), "the job cluster has two workers, both busy"
        pk = _manage(env, (
            "from accounts.models import User\n"
            "from notifications.models import Notification\n"
            "from django.utils import timezone\n"
            "user = User.objects.create_user(email='alice@example.com', password='x')\n"
            "n = Notification.objects.create(user=user, title='Take bisoprolol 5 mg',\n"
            "    channel='in_app', scheduled_at=timezone.now())\n"
            "print(n.pk.hex)"))
        due = time.monotonic()

        def sent():
            with sqlite3.connect(data / "db.sqlite3", timeout=10) as db:
                row = db.execute("SELECT status FROM notifications_notification WHERE id = ?",
                                 (pk,)).fetchone()
            return row and row[0] == "sent"

        wait_for(sent, DEADLINE_SECONDS + 30, "the reminder was not sent")
        took = time.monotonic() - due
        print(f"reminder delivered {took:.1f} s after it was due, both job workers busy")
        assert took <= DEADLINE_SECONDS
        assert not busy[2].exists(), "the job workers were busy all along"
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=20)
        finally:
            for pid in marked_processes(mark):
                os.kill(pid, signal.SIGKILL)
