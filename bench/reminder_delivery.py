"""Delivery delay of 1,000 reminders due in the same minute, through the real worker.

    .venv/bin/python bench/reminder_delivery.py [--count 1000] [--users 100]

Runs in a throwaway DATA_DIR (the embedded mode: SQLite, ORM broker) unless DATA_DIR /
DATABASE_URL / REDIS_URL are set. Phase 1 times one `deliver_due` call over the whole
burst; phase 2 starts `manage.py qcluster` with the migrated schedules and measures, for
each reminder, sent_at − scheduled_at.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django():
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-reminders-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()


def make_burst(count: int, users: int, due):
    from accounts.models import User
    from notifications.models import Notification

    Notification.objects.all().delete()
    owners = list(User.objects.filter(email__startswith="bench-"))
    if len(owners) < users:
        User.objects.bulk_create(
            User(email=f"bench-{i}@example.com", password="!")  # noqa: S106 (unusable)
            for i in range(len(owners), users)
        )
        owners = list(User.objects.filter(email__startswith="bench-"))
    Notification.objects.bulk_create(
        Notification(user=owners[i % len(owners)], title=f"Reminder {i}", scheduled_at=due)
        for i in range(count)
    )


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def report(label, delays):
    median = statistics.median(delays)
    print(f"{label}: n={len(delays)} min={min(delays):.2f}s median={median:.2f}s "
          f"p95={percentile(delays, 95):.2f}s p99={percentile(delays, 99):.2f}s "
          f"max={max(delays):.2f}s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--timeout", type=int, default=240)
    parser.add_argument("--warmup", type=int, default=40)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from notifications import delivery
    from notifications.models import Notification

    print(f"database: {connection.vendor}; {args.count} in-app reminders for {args.users} users")

    # Phase 1: the delivery itself, one call over the whole burst.
    make_burst(args.count, args.users, timezone.now())
    started = time.perf_counter()
    sent = delivery.deliver_due()
    elapsed = time.perf_counter() - started
    print(f"phase 1: deliver_due sent {sent} in {elapsed:.2f}s "
          f"({sent / elapsed:.0f}/s, {1000 * elapsed / sent:.2f} ms each)")

    # Phase 2: the real worker and schedule, running (its scheduler ticks every 30 s);
    # then a burst all due at the start of a coming minute.
    Notification.objects.all().delete()
    connection.close()
    # The delivery cluster, which runs the delivery schedules (config/settings.py).
    worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True,
                              env={**os.environ, "Q_CLUSTER_NAME": "delivery"})
    try:
        time.sleep(args.warmup)
        due = (timezone.now() + timedelta(seconds=70)).replace(second=0, microsecond=0)
        make_burst(args.count, args.users, due)
        print(f"phase 2: worker up {args.warmup}s; burst due at {due:%H:%M:%S} UTC")
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if not Notification.objects.filter(status="pending").exists():
                break
            time.sleep(1)
        rows = list(Notification.objects.values_list("status", "scheduled_at", "sent_at"))
    finally:
        # The cluster and its workers form one process group; a delivery pass in flight
        # would hold a polite stop for up to a minute.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    delays = [(sent_at - scheduled).total_seconds() for status, scheduled, sent_at in rows
              if status == "sent"]
    print(f"phase 2: {len(delays)}/{len(rows)} sent by the worker "
          f"(statuses: {sorted({r[0] for r in rows})})")
    if delays:
        report("phase 2 delay after due time", delays)
        first = min(s for _, _, s in rows if s)
        last = max(s for _, _, s in rows if s)
        print(f"phase 2: burst drained in {(last - first).total_seconds():.2f}s")


if __name__ == "__main__":
    main()
