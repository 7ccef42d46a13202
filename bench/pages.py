"""Server time of the pages that grow with a user's data (issue 15, Deliver 5). Not a test:

    DATA_DIR=$(mktemp -d) .venv/bin/python bench/pages.py              # embedded (SQLite)
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/pages.py

One user with a chat of 1,000 messages, 1,000 documents, 500 memory entries and 1,000
notifications. Each page is requested through Django's test client — the full middleware
stack (sessions, CSRF, locale, auth, CSP, htmx, allauth), the context processors and the
real templates, with the settings of `make run` (DEBUG off, cached template loader); no
socket and no ASGI server, so the figure is the server's own time for the page. The test
environment is not set up, so templates are not instrumented. After warm-up requests the
page is timed --runs times; the query count comes from one more request, and from the
same page over a data set of --small rows, so a count that grows with the rows shows.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATA_DIR" not in os.environ:  # a throwaway embedded database unless told otherwise
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="anamnesis-bench-")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

LIMIT_MS = 50.0

ANSWER_HTML = (
    "<p>Your <strong>blood pressure</strong> of 120/80 is in the normal range. A few notes:</p>"
    "<ul><li>Keep taking <em>metformin</em> with meals.</li><li>Sleep seven hours or more.</li>"
    "<li>Running three times a week helps both.</li></ul>"
    "<p>Ask your doctor about the HbA1c of 6.1 % at the next visit.</p>"
)


def seed(email: str, messages: int, documents: int, memories: int, notifications: int):
    """One user's data at the given sizes; returns (user, chat)."""
    from accounts.models import User
    from chats.models import AssistantAction, Chat, Message
    from documents.models import Document
    from memory.models import MemoryEntry
    from notifications.models import Notification

    User.objects.filter(email=email).delete()
    user = User.objects.create_user(email=email)
    chat = Chat.objects.create(user=user, title="Blood pressure and sleep")
    action = AssistantAction.objects.create(
        user=user, chat=chat, kind="memory.create", state="applied", summary="Metformin 500 mg",
        payload={"title": "Metformin 500 mg"})
    start = timezone.now() - timedelta(days=30)
    rows = []
    for n in range(messages):
        created = start + timedelta(minutes=n)
        if n % 2 == 0:
            rows.append(Message(chat=chat, role="user", created=created,
                                content=f"Question {n}: is my blood pressure of 120/80 fine "
                                        "with metformin, and how much should I sleep?"))
            continue
        parts = [{"type": "text", "text": "Your blood pressure …", "html": ANSWER_HTML}]
        if n % 10 == 1:  # every fifth answer used a tool that proposed an action
            parts.insert(0, {"type": "tool", "name": "save_memory", "summary": "Saved",
                             "input": {"title": "Metformin"}, "result": "ok",
                             "data": {"action": {"id": str(action.pk), "state": "applied",
                                                 "kind": "memory.create",
                                                 "summary": "Metformin 500 mg"}}})
        rows.append(Message(chat=chat, role="assistant", created=created,
                            content="Your blood pressure of 120/80 is in the normal range.",
                            metadata={"status": "done", "parts": parts, "usage": {
                                "input_tokens": 234, "cache_creation_input_tokens": 100,
                                "cache_read_input_tokens": 5678, "output_tokens": 90}}))
    Message.objects.bulk_create(rows, batch_size=500)
    Document.objects.bulk_create([
        Document(user=user, filename=f"lab-{n}.pdf", file=f"uploads/{user.pk}/{n}/lab.pdf",
                 mime_type="application/pdf", file_size=120_000 + n, sha256=f"{n:064d}",
                 doc_type="lab_result", page_count=2, status="completed",
                 extracted_text="Glucose 5.4 mmol/L HbA1c 6.1 % cholesterol")
        for n in range(documents)
    ], batch_size=500)
    MemoryEntry.objects.bulk_create([
        MemoryEntry(user=user, title=f"Fact {n}", content="Details of the fact. " * 5,
                    category=MemoryEntry.Category.values[n % len(MemoryEntry.Category.values)],
                    importance=["critical", "high", "medium", "low"][n % 4],
                    source_chat=chat if n % 3 == 0 else None)
        for n in range(memories)
    ], batch_size=500)
    now = timezone.now()
    Notification.objects.bulk_create([
        Notification(user=user, title=f"Take metformin ({n})", body="500 mg with breakfast",
                     type=["reminder", "alert", "info", "ai_generated"][n % 4],
                     channel="in_app", status="pending" if n % 50 == 0 else
                     ["sent", "read", "delivered", "failed"][n % 4],
                     scheduled_at=now + timedelta(hours=n) if n % 50 == 0 else None,
                     sent_at=None if n % 50 == 0 else now - timedelta(minutes=n),
                     metadata={"done_at": now.isoformat()} if n % 7 == 0 else {})
        for n in range(notifications)
    ], batch_size=500)
    return user, chat


def pages(chat) -> list[tuple[str, str]]:
    return [
        ("chat", f"/chats/{chat.pk}/"),
        ("documents", "/documents/"),
        ("memory", "/memory/"),
        ("notifications", "/notifications/"),
    ]


def get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return response


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        get(client, url)
    return len(captured)


def timed(client, url, warmup: int, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each request (the CPU time of this process is
    much less sensitive to the other processes on a shared machine)."""
    for _ in range(warmup):
        get(client, url)
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        get(client, url)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--memories", type=int, default=500)
    parser.add_argument("--notifications", type=int, default=1000)
    parser.add_argument("--small", type=int, default=5, help="rows of each kind for the "
                        "query-count comparison")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"database: {engine}, cache: {cache}; Django test client, full middleware; "
          f"{args.warmup} warm-up + {args.runs} timed requests per page")

    small_user, small_chat = seed("bench-pages-small@example.com", args.small, args.small,
                                  args.small, args.small)
    user, chat = seed("bench-pages@example.com", args.messages, args.documents,
                      args.memories, args.notifications)
    sizes = {"chat": f"{args.messages:,} messages", "documents": f"{args.documents:,} rows",
             "memory": f"{args.memories:,} entries",
             "notifications": f"{args.notifications:,} rows"}
    small_client, client = Client(), Client()
    small_client.force_login(small_user)
    client.force_login(user)

    print(f"{'page':<14} {'rows':>15} {'median':>9} {'p99':>9} {'CPU med':>9} {'queries':>8} "
          f"{'at ' + str(args.small):>6} {'ratio':>6}")
    worst = 0.0
    for (name, url), (_, small_url) in zip(pages(chat), pages(small_chat), strict=True):
        samples, cpu = timed(client, url, args.warmup, args.runs)
        get(small_client, small_url)  # warm the small user's session and caches too
        count, small_count = queries(client, url), queries(small_client, small_url)
        median = statistics.median(samples)
        worst = max(worst, median / LIMIT_MS)
        flag = "" if count == small_count else "  QUERY COUNT GROWS WITH ROWS"
        print(f"{name:<14} {sizes[name]:>15} {median:>6.1f} ms {p99(samples):>6.1f} ms "
              f"{statistics.median(cpu):>6.1f} ms {count:>8} {small_count:>6} "
              f"{median / LIMIT_MS:>5.2f}×{flag}")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"worst ratio to the {LIMIT_MS:.0f} ms limit: {worst:.2f}× (median wall-clock "
          f"time; load average {load})")


if __name__ == "__main__":
    main()
