"""Several processes as one instance: two web processes and two workers on one database.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/scale_out.py
        [--streams 10] [--reminders 1000] [--documents 20] [--no-affinity]

Starts, on one PostgreSQL and one Redis (the production mode; the embedded mode's
in-memory channel layer cannot span processes, so it refuses to run without them):
two daphne processes (`config.asgi`, the settings of `make run`, on two ports: A and B),
two `qcluster` workers (1 and 2) and a stand-in model (bench/streaming.py's kind: a raw
asyncio SSE server, 50 text deltas/s, each word `t<µs timestamp>`). Then, with real
clients (signed-in WebSocket clients, HTTP uploads with the session and CSRF cookies):

1. streaming across processes: N answers, half sent through A and watched from a page on
   B, half the other way round; the delay of a word is from the stand-in writing it to
   the first frame holding it reaching the page on the *other* process (and, side by
   side, the page on the sending one). Then Stop: a long answer sent through A, Stop sent
   through B; the answer must end "stopped" on both pages and the stand-in must see its
   stream closed before its end;
2. uploads: small text PDFs posted to both web processes; every document must reach its
   final status and both workers must have processed some (each worker's own django-q2
   log lines "processing document <id>", one log file per worker);
3. reminders: 1,000 in-app reminders (bench/reminder_delivery.py's data) due at the same
   instant while the workers' delivery passes run; each must be sent once (none twice,
   none lost). Which worker sent which is recorded by a line the worker process writes
   when the in-app channel sends (this file with --worker: it wraps the channel's `send`
   with that record and then runs the `qcluster` command itself, unchanged). Then again
   with three extra delivery passes queued at the due time, so that passes on both
   workers claim the same rows at once, as at a hand-over from one pass to the next;
4. (unless --no-affinity) the "two web processes" streaming figure: once the workers are
   stopped, A is pinned to core 0 and B to core 1 (os.sched_setaffinity, every thread);
   N answers through A alone, then N through each. On a 2-core machine the stand-in and
   the clients share those cores: what this can and cannot show is printed with it.

Every child runs in its own process group and is killed on exit, Ctrl-C or failure.
Exits 1 if any part fails.
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import streaming  # noqa: E402  (bench/streaming.py: the stand-in's wire format, the client)

RATE = 50.0
SHORT, LONG = 200, 1500  # events per answer; LONG is asked for by the Stop part
LONG_MARKER = "LONG-ANSWER"
WORD = streaming.WORD
RESULTS: list[tuple[str, bool]] = []


def verdict(name: str, passed: bool, detail: str = "") -> None:
    RESULTS.append((name, passed))
    print(f"  {'PASS' if passed else 'FAIL'}: {name}{' — ' + detail if detail else ''}",
          flush=True)


def pct(values, q):
    return streaming.percentile(values, q)


def header(text):
    print(f"\n--- {text}  (load average {os.getloadavg()[0]:.1f})", flush=True)


# --- the stand-in model ----------------------------------------------------------------

async def serve(port_file: str, log_file: str):
    """bench/streaming.py's stand-in, plus: a request holding LONG_MARKER gets a LONG answer,
    and every stream's end is logged: written in full, or closed by the client early."""
    sse = streaming.sse
    interval = 1.0 / RATE
    head, start = streaming.stream_opening()
    prefix = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,' \
             b'"delta":{"type":"text_delta","text":"t'

    def end(events):
        tail = sse("content_block_stop", {"type": "content_block_stop", "index": 0})
        tail += sse("message_delta", {"type": "message_delta", "delta": {
            "stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": events}})
        return tail + sse("message_stop", {"type": "message_stop"}) + b"0\r\n\r\n"

    def log(line):
        with open(log_file, "a") as out:
            out.write(line + "\n")

    async def stream(reader, writer, events):
        writer.write(head + start)
        due = time.monotonic()
        for written in range(events):
            due += interval
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if reader.at_eof() or writer.transport.is_closing():
                log(f"closed {written} {events} {time.time():.6f}")
                return False
            body = prefix + b'%d "}}\n\n' % streaming.now_us()
            writer.write(b"%x\r\n%s\r\n" % (len(body), body))
        writer.write(end(events))
        await writer.drain()
        log(f"done {events} {events} {time.time():.6f}")
        return True

    async def handle(reader, writer):
        try:
            while True:
                body = await streaming.read_request(reader)
                events = LONG if LONG_MARKER.encode() in body else SHORT
                if not await stream(reader, writer, events):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    await streaming.listen(handle, port_file)


# --- children --------------------------------------------------------------------------

def _child_setup():
    """In the child: its own process group (killed whole), SIGTERM if we die."""
    os.setsid()
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Children:
    def __init__(self, logs: Path):
        self.logs = logs
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name, command, env) -> subprocess.Popen:
        out = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (kept for the child)
        process = subprocess.Popen(  # noqa: S603 (our own commands)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=_child_setup)
        out.close()
        self.processes[name] = process
        return process

    def stop(self, name, grace=5):
        process = self.processes.pop(name, None)
        if process is None:
            return
        if grace:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
        # qcluster's workers may outlive a polite stop (scripts/supervise.py says why).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)

    def log(self, name) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(process, port, name, children):
    for _ in range(400):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited:\n{children.log(name)[-2000:]}") from None
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not start")


def start_web(children, name, model_port) -> int:
    port = free_port()
    env = {**os.environ, "ANTHROPIC_API_KEY": "bench", "ANTHROPIC_MODEL": "bench",
           "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{model_port}"}
    process = children.start(name, [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p",
                                    str(port), "config.asgi:application"], env)
    wait_for_port(process, port, name, children)
    return port


def start_worker(children, name, record: Path):
    """A worker as compose runs one: the job cluster (`name`, whose log the documents part
    reads) and the delivery cluster (`name`-delivery), both writing to `record`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ANTHROPIC_") and k != "Q_CLUSTER_NAME"}
    children.start(name, [sys.executable, __file__, "--worker", str(record)], env)
    children.start(f"{name}-delivery", [sys.executable, __file__, "--worker", str(record)],
                   {**env, "Q_CLUSTER_NAME": "delivery"})


def run_worker(record: str):
    """`manage.py qcluster`, with one addition: the in-app channel's `send` first appends
    "<notification id> <pid>" to `record` (one small O_APPEND write: whole lines even from
    several processes). The cluster forks its workers from this process, so they have it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from notifications.channels import in_app

    original = in_app.InAppChannel.send

    def send(self, notification):
        fd = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{notification.pk} {os.getpid()}\n".encode())
        finally:
            os.close(fd)
        return original(self, notification)

    in_app.InAppChannel.send = send
    call_command("qcluster")


# --- WebSocket pages -------------------------------------------------------------------

class Page:
    """One signed-in page of a chat: every word's first arrival, and the final message."""

    def __init__(self, socket_):
        self.socket = socket_
        self.delays: list[float] = []
        self.seen: set[int] = set()
        self.status = None
        self.finished_at = None

    @classmethod
    async def open(cls, port, cookie, path):
        return cls(await streaming.Socket.open(port, path, cookie))

    def send(self, payload):
        self.socket.send(json.dumps(payload))

    async def read_until_final(self, on_word=None):
        while True:
            data = await self.socket.receive()
            arrived = streaming.now_us()
            if data is None:
                return
            for match in WORD.finditer(data):
                stamp = int(match.group(1))
                if stamp not in self.seen:
                    self.seen.add(stamp)
                    self.delays.append((arrived - stamp) / 1000)
            if on_word is not None:
                on_word(len(self.seen))
            if data.startswith(b'{"type": "message"'):
                event = json.loads(data)
                if event.get("status") not in ("streaming", None) and not event.get("snapshot") \
                        and 'data-role="assistant"' in event.get("html", ""):
                    self.status, self.finished_at = event["status"], time.time()
                    return
            elif data.startswith(b'{"type": "error"'):
                raise RuntimeError(data.decode())

    def close(self):
        self.socket.close()


async def warm_up(port, cookie, path):
    """A fresh process's first answer imports the SDK's types: not what is measured."""
    page = await Page.open(port, cookie, path)
    page.send({"action": "send", "content": "Warm up."})
    await asyncio.wait_for(page.read_until_final(), 30)
    page.close()


async def warm_up_all(ports, chats):
    await asyncio.gather(*(warm_up(port, cookie, path)
                           for port, (cookie, path) in zip(ports, chats, strict=True)))


async def cross_streams(ports, chats, stagger=1.0):
    """Chat i is sent through process i % 2 and watched from the other."""
    pairs = []
    for index, (cookie, path) in enumerate(chats):
        sender_port, watcher_port = ports[index % 2], ports[1 - index % 2]
        watcher = await Page.open(watcher_port, cookie, path)
        sender = await Page.open(sender_port, cookie, path)
        pairs.append((sender, watcher))
    await asyncio.sleep(0.5)

    async def one(index, sender, watcher):
        await asyncio.sleep(stagger * index / len(pairs))
        sender.send({"action": "send", "content": "Stream, please."})
        await asyncio.gather(sender.read_until_final(), watcher.read_until_final())

    try:
        await asyncio.wait_for(asyncio.gather(*(one(i, s, w) for i, (s, w) in enumerate(pairs))),
                               stagger + 3 * SHORT / RATE + 15)
    except TimeoutError:
        pass  # unfinished pages count as not done below
    finally:
        for sender, watcher in pairs:
            sender.close()
            watcher.close()
    return pairs


async def stop_across(port_a, port_b, cookie, path, model_log: Path):
    """A long answer sent through A; Stop sent through B once B's page shows 50 words."""
    watcher = await Page.open(port_b, cookie, path)
    sender = await Page.open(port_a, cookie, path)
    await asyncio.sleep(0.3)
    stop_sent = {}

    def maybe_stop(words):
        if words >= 50 and not stop_sent:
            stop_sent["at"], stop_sent["words"] = time.time(), words
            watcher.send({"action": "stop"})

    sender.send({"action": "send", "content": f"{LONG_MARKER}: a long answer, please."})
    try:
        await asyncio.wait_for(asyncio.gather(watcher.read_until_final(maybe_stop),
                                              sender.read_until_final()), LONG / RATE + 10)
    except TimeoutError:
        pass
    finally:
        sender.close()
        watcher.close()
    closed = None
    for _ in range(20):  # the stand-in notices the closed connection at its next event
        for line in model_log.read_text().splitlines():
            kind, written, total, at = line.split()
            if int(total) == LONG:
                closed = (kind, int(written), float(at))
        if closed:
            break
        await asyncio.sleep(0.1)
    return stop_sent, sender, watcher, closed


# --- the parts ---------------------------------------------------------------------------

def part_streaming(ports, pids, chats, steps, model_log):
    header(f"1. Streaming across processes: answers of {SHORT} words at {RATE:g}/s, half sent "
           "through A and watched from a page on B, half the other way round")
    lost = not_done = total = 0
    for count in steps:
        cpu, wall = [streaming.cpu_seconds(pid) for pid in pids], time.monotonic()
        pairs = asyncio.run(cross_streams(ports, chats[:count]))
        wall = time.monotonic() - wall
        cpu = [streaming.cpu_seconds(pid) - before for pid, before in zip(pids, cpu, strict=True)]
        chats = chats[count:]
        other = [d for _, watcher in pairs for d in watcher.delays]
        same = [d for sender, _ in pairs for d in sender.delays]
        lost_other = sum(SHORT - len(w.seen) for _, w in pairs)
        done_other = sum(w.status == "done" for _, w in pairs)
        lost, not_done, total = lost + lost_other, not_done + count - done_other, total + count
        print(f"  N={count:<3} page on the other process: p50 {pct(other, .5):7.1f} ms  p99 "
              f"{pct(other, .99):7.1f} ms  max {max(other, default=float('nan')):7.1f} ms  "
              f"words lost {lost_other}  answers done {done_other}/{count}")
        print(f"  N={count:<3} page on the sending one: p50 {pct(same, .5):7.1f} ms  p99 "
              f"{pct(same, .99):7.1f} ms  max {max(same, default=float('nan')):7.1f} ms  "
              f"words lost {sum(SHORT - len(s.seen) for s, _ in pairs)}")
        print(f"  N={count:<3} CPU of the web processes: A {cpu[0]:.1f} s, B {cpu[1]:.1f} s in "
              f"{wall:.1f} s (= {cpu[0] / wall:.2f} and {cpu[1] / wall:.2f} of a core); "
              f"{sum(cpu) * 1e6 / max(1, count * SHORT):.0f} µs per word", flush=True)
    verdict("every word and every final message reached the page on the other process",
            lost == 0 and not_done == 0, f"{total} answers, {lost} words lost, {not_done} not done")

    cookie, path = chats[-1]
    stop_sent, sender, watcher, closed = asyncio.run(
        stop_across(ports[0], ports[1], cookie, path, model_log))
    stop_at = stop_sent.get("at")
    print(f"  Stop: a long answer ({LONG} words, {LONG / RATE:.0f} s) sent through A, Stop sent"
          f" through B when B's page showed {stop_sent.get('words')} words")
    if stop_at and watcher.finished_at:
        print(f"  Stop → final message on B's page: {(watcher.finished_at - stop_at) * 1000:.0f}"
              f" ms (status {watcher.status}; A's page: {sender.status})")
    if stop_at and closed:
        print(f"  Stop → model stream {closed[0]} after {closed[1]} of {LONG} events, "
              f"{(closed[2] - stop_at) * 1000:.0f} ms after Stop")
    verdict("Stop sent through B stopped the answer running on A",
            watcher.status == "stopped" and sender.status == "stopped"
            and closed is not None and closed[0] == "closed" and closed[1] < LONG,
            "" if closed else "the stand-in saw no end of the long stream")


def part_uploads(ports, chats, count, children, started_at):
    import httpx

    from documents.models import Document
    from documents.tests.conftest import text_pdf

    header(f"2. Uploads: {count} text PDFs posted to both web processes")
    users = chats[:4]
    clients = []
    for index, (cookie, _) in enumerate(users):
        for port in ports:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                  headers={"Cookie": cookie})
            page = client.get("/documents/")
            token = re.search(r"csrftoken=([^;]+)", "; ".join(
                page.headers.get_list("set-cookie"))).group(1)
            client.headers["Cookie"] = f"{cookie}; csrftoken={token}"
            client.headers["X-CSRFToken"] = token
            clients.append((index, port, client))
    statuses = Counter()
    started = time.time()
    for n in range(count):
        index, port, client = clients[n % len(clients)]
        pdf = text_pdf([f"Bench upload {n} of {started_at}", "Ferritin 45 ng/mL (30-400)",
                        "Гемоглобин 135 г/л"], pages=2)
        response = client.post("/documents/", files={"files": (f"scan-{n}.pdf", pdf,
                                                               "application/pdf")})
        statuses[(port, response.status_code)] += 1
    posted = time.time() - started
    for _, _, client in clients:
        client.close()
    print(f"  posted in {posted:.1f} s: " + ", ".join(
        f"{'A' if port == ports[0] else 'B'} → HTTP {code} ×{n}"
        for (port, code), n in sorted(statuses.items())))
    documents = Document.objects.filter(filename__startswith="scan-")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if documents.count() == count and not documents.filter(
                status__in=["pending", "processing"]).exists():
            break
        time.sleep(0.3)
    rows = list(documents.values_list("pk", "status", "created", "updated"))
    final = Counter(status for _, status, _, _ in rows)
    waits = [(u - c).total_seconds() for _, s, c, u in rows if s == "completed"]
    by_worker = {}
    for name in ("worker-1", "worker-2"):
        by_worker[name] = set(re.findall(r"processing document ([0-9a-f-]{36})",
                                         children.log(name)))
    twice = by_worker["worker-1"] & by_worker["worker-2"]
    print(f"  final statuses: {dict(final)}; upload → final status: median "
          f"{statistics.median(waits) if waits else float('nan'):.2f} s, p99 "
          f"{pct(waits, .99):.2f} s, max {max(waits, default=float('nan')):.2f} s")
    print(f"  processed by worker 1: {len(by_worker['worker-1'])}, worker 2: "
          f"{len(by_worker['worker-2'])} (each worker's own log lines); taken by both: "
          f"{len(twice)}")
    verdict("every document reached its final status, and both workers processed some",
            len(rows) == count and final.get("completed", 0) == count
            and all(by_worker.values()))


def part_reminders(count, users, records, extra_passes=0):
    from django.utils import timezone
    from django_q.tasks import async_task
    from reminder_delivery import make_burst, percentile

    from notifications.models import Notification

    if extra_passes:
        header(f"3b. Reminders, passes overlapping on both workers: {count} due at the same "
               f"instant, {extra_passes} extra delivery passes queued at that instant")
    else:
        header(f"3a. Reminders as deployed (one delivery pass at a time): {count} in-app "
               f"reminders for {users} users due at the same instant")
    due = (timezone.now() + timedelta(seconds=4)).replace(microsecond=0)
    make_burst(count, users, due)
    print(f"  created {(timezone.now() - due).total_seconds():+.1f} s from the due time")
    if extra_passes:  # queued at the due time, so that every pass finds the whole burst
        time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
    for n in range(extra_passes):  # the task the schedule runs, queued as the scheduler does
        async_task("notifications.tasks.deliver_due_notifications",
                   task_name=f"bench extra pass {n} {time.time()}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not Notification.objects.filter(status__in=["pending", "sending"]).exists() \
                and timezone.now() > due:
            break
        time.sleep(0.5)
    time.sleep(1)  # a pass overlapping the others has its chance to send one again
    rows = list(Notification.objects.values_list("pk", "status", "scheduled_at", "sent_at"))
    ids = {str(pk) for pk, *_ in rows}
    sends = Counter()
    per_worker = {}
    for name, record in records.items():
        lines = record.read_text().split() if record.exists() else []
        mine = [(pk, pid) for pk, pid in zip(lines[0::2], lines[1::2], strict=True) if pk in ids]
        sends.update(pk for pk, _ in mine)
        per_worker[name] = Counter(pid for _, pid in mine)
    twice = sum(1 for pk in ids if sends[pk] > 1)
    never = sum(1 for pk in ids if sends[pk] == 0)
    statuses = Counter(status for _, status, _, _ in rows)
    delays = [(sent - scheduled).total_seconds() for _, status, scheduled, sent in rows
              if status == "sent"]
    if delays:
        sent_times = [sent for _, status, _, sent in rows if status == "sent"]
        print(f"  delay after the due time: median {statistics.median(delays):.2f} s  p95 "
              f"{percentile(delays, 95):.2f} s  p99 {percentile(delays, 99):.2f} s  max "
              f"{max(delays):.2f} s  (min {min(delays):.2f} s; first to last sent "
              f"{(max(sent_times) - min(sent_times)).total_seconds():.2f} s)")
    print(f"  statuses: {dict(statuses)}; sent by " + ", ".join(
        f"{name} {sum(pids.values())}"
        + (f" ({' + '.join(str(n) for n in pids.values())} from {len(pids)} processes)"
           if len(pids) > 1 else "") for name, pids in per_worker.items()))
    print(f"  sent twice: {twice}, never sent: {never}")
    verdict(f"{count} reminders sent once each (none twice, none lost)"
            + (" with passes overlapping" if extra_passes else ""),
            len(rows) == count and statuses.get("sent", 0) == count and twice == 0
            and never == 0)


def pin_process(pid, cores):
    """Every thread of the process (later threads inherit it from theirs)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(task), cores)


def part_affinity(ports, pids, count, chats):
    header("4. Streams per web process: one daphne pinned to core 0 with N answers, then two "
           "pinned to cores 0 and 1 with N each (os.sched_setaffinity)")
    if (os.cpu_count() or 1) < 2:
        print("  one core: nothing to pin")
        return
    pin_process(pids[0], {0})
    pin_process(pids[1], {1})

    async def run(ports, chats):
        pages = []
        for index, (cookie, path) in enumerate(chats):
            pages.append(await Page.open(ports[index % len(ports)], cookie, path))
        await asyncio.sleep(0.5)

        async def one(index, page):
            await asyncio.sleep(index / len(pages))
            page.send({"action": "send", "content": "Stream, please."})
            await page.read_until_final()

        try:
            await asyncio.wait_for(asyncio.gather(*(one(i, p) for i, p in enumerate(pages))),
                                   1 + 3 * SHORT / RATE + 15)
        except TimeoutError:
            pass
        finally:
            for page in pages:
                page.close()
        return pages

    for label, used_ports in (("one process, core 0", ports[:1]),
                              ("two processes, cores 0 + 1", ports)):
        mine, chats = chats[:count * len(used_ports)], chats[count * len(used_ports):]
        used_pids = pids[:len(used_ports)]
        cpu, wall = [streaming.cpu_seconds(pid) for pid in used_pids], time.monotonic()
        pages = asyncio.run(run(used_ports, mine))
        wall = time.monotonic() - wall
        used = [streaming.cpu_seconds(pid) - before for pid, before in zip(used_pids, cpu,
                                                                          strict=True)]
        delays = [d for page in pages for d in page.delays]
        words = sum(len(page.seen) for page in pages)
        print(f"  {label}: N={len(pages):<3} p50 {pct(delays, .5):7.1f} ms  p99 "
              f"{pct(delays, .99):7.1f} ms  lost {len(pages) * SHORT - words}  done "
              f"{sum(p.status == 'done' for p in pages)}/{len(pages)}  CPU per word "
              f"{sum(used) * 1e6 / max(1, words):.0f} µs; "
              + ", ".join(f"{u / wall:.2f}" for u in used) + " of a core", flush=True)
    print("  On this 2-core machine the stand-in model, the clients and the other engineers' "
          "work share both cores with the web processes, so the second run is not two "
          "machines' worth of cores: it shows that the turns spread over two processes "
          "(CPU per word, share of a core each), not the delay two idle machines would give.")


def interrupted(*_):
    raise KeyboardInterrupt


# --- the run -------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[4, 10],
                        help="concurrent answers, one step each")
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--documents", type=int, default=8)
    parser.add_argument("--affinity-streams", type=int, default=8,
                        help="answers per web process in part 4")
    parser.add_argument("--no-affinity", action="store_true")
    parser.add_argument("--parts", default="streaming,uploads,reminders",
                        help="a subset of streaming,uploads,reminders (affinity: see above)")
    parser.add_argument("--serve", nargs=2)
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(*args.serve))
        return
    if args.worker:
        run_worker(args.worker)
        return
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        sys.exit("bench/scale_out.py needs DATABASE_URL and REDIS_URL: several processes share "
                 "one instance only through PostgreSQL and Redis (scripts/bench.sh starts them).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="anamnesis-scale-"))
    os.environ.pop("ANAMNESIS_TESTING", None)
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
        os.environ.pop(name, None)  # the web children get the stand-in's; workers none
    # SIGTERM (a stopped `make bench`) unwinds like Ctrl-C, through the cleanup below.
    signal.signal(signal.SIGTERM, interrupted)
    began = time.monotonic()
    logs = Path(tempfile.mkdtemp(prefix="anamnesis-scale-logs-"))
    children = Children(logs)
    print(f"Two daphne processes (A, B) and two qcluster workers on one PostgreSQL and Redis; "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())};"
          f" logs in {logs}", flush=True)
    try:
        # Migrates and makes the signed-in users and chats (the SECRET_KEY file is written
        # here, before any child reads it).
        tag = str(os.getpid())
        affinity = 0 if args.no_affinity else args.affinity_streams
        cross_count = sum(args.streams) + 1  # and one for Stop
        chats = streaming.setup_app(2 + cross_count + 3 * affinity, tag)
        warm, chats = chats[:2], chats[2:]
        cross, chats = chats[:cross_count], chats[cross_count:]
        model_log = logs / "model-streams.log"
        model_log.touch()
        port_file = logs / "model-port"
        children.start("model", [sys.executable, __file__, "--serve", str(port_file),
                                 str(model_log)], dict(os.environ))
        for _ in range(200):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.05)
        model_port = int(port_file.read_text())
        records = {f"worker-{n}": logs / f"worker-{n}-sends.txt" for n in (1, 2)}
        for name, record in records.items():
            start_worker(children, name, record)
        ports = [start_web(children, "web-A", model_port),
                 start_web(children, "web-B", model_port)]
        started = time.monotonic()
        print(f"  started: model stand-in, web A :{ports[0]}, web B :{ports[1]}, worker 1, "
              f"worker 2 in {started - began:.1f} s", flush=True)
        asyncio.run(warm_up_all(ports, warm))

        parts = set(args.parts.split(","))
        if "streaming" in parts:
            part_streaming(ports, [children.processes[n].pid for n in ("web-A", "web-B")],
                           cross, args.streams, model_log)
        if "uploads" in parts:
            part_uploads(ports, cross, args.documents, children, tag)
        # The delivery passes start at the schedulers' first tick (~30 s after start).
        while "reminders" in parts and time.monotonic() - started < 120:
            if any("deliver_due_notifications" in children.log(name) for name in records):
                part_reminders(args.reminders, args.users, records)
                part_reminders(args.reminders, args.users, records, extra_passes=3)
                break
            time.sleep(0.5)
        for name in records:  # a polite stop waits for the running passes (up to a minute)
            children.stop(name, grace=0)
        if affinity:
            part_affinity(ports, [children.processes[n].pid for n in ("web-A", "web-B")],
                          affinity, chats)
    finally:
        children.stop_all()
    failed = [name for name, passed in RESULTS if not passed]
    print(f"\nscale-out: {len(RESULTS) - len(failed)}/{len(RESULTS)} passed in "
          f"{time.monotonic() - began:.0f} s" + (f"; FAILED: {'; '.join(failed)}" if failed
                                                 else ""), flush=True)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
