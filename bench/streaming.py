"""Concurrent streamed answers: the SDK's own ceiling and the app's delay, in one run.

    .venv/bin/python bench/streaming.py [--seconds 4] [--rate 50] [--app-dir PATH]

Three processes, pinned with os.sched_setaffinity so that the measured one has a core
to itself (on a 2-core machine: core 0 measured, core 1 for the rest):

- a stand-in model (this file with --serve): a raw asyncio HTTP/1.1 server speaking the
  Messages API's SSE stream (message_start … text deltas … message_stop), each stream at
  --rate events/s for --seconds; every text delta is one word `t<µs since the epoch> `,
  stamped when it is written to the socket. No aiohttp, no threads: one event loop, so it
  keeps up with a hundred streams on its core (it is not tests/fakes/anthropic_server.py,
  which is threaded and checks requests strictly, but answers the same wire format);
- (a) the ceiling: this file with --sdk N, on core 0: N concurrent streams read with the
  `anthropic` SDK alone (`client.messages.stream`, every event), nothing else. The delay
  of a word is the time from its stamp to the SDK handing it over. The ceiling is the
  largest N of a ladder with p99 ≤ 100 ms and every word delivered;
- (b) the app: a real daphne (config.asgi, the same settings as `make run`: SQLite and
  the in-memory layer, or PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set) on
  core 0, talking to the stand-in with the real SDK; N signed-in WebSocket clients (a
  small raw RFC 6455 client, in this process on core 1) each send one message on its own
  chat at once. The delay of a word is the time from its stamp to the first frame that
  holds it reaching the client; N runs at fractions of the ceiling.

In both, the N streams start spread evenly over STAGGER seconds (people do not press
Enter in the same millisecond), then run side by side.

It prints, for each N, p50/p99/max delay, words lost, frames and bytes per answer, and the
ratio of the largest N with p99 ≤ 100 ms to the ceiling. Loopback only; bounded (about
ten seconds per step). `--app-dir` runs daphne from another checkout (e.g. `git archive`
of an older commit) with the same database, for before/after figures.
"""

import argparse
import asyncio
import base64
import contextlib
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MS = 100.0
RATE = 50.0
STAGGER = 1.0  # the streams start spread over this many seconds, as users would
WORD = re.compile(rb"t(\d{16})(?!\d)")
# The stand-in's first word: when the request of this answer reached the model.
REACHED = re.compile(rb"r(\d{16})(?!\d)")


def pin(cores):
    available = sorted(os.sched_getaffinity(0) | set(range(os.cpu_count() or 1)))
    wanted = {c for c in cores if c in available}
    if wanted:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, wanted)


def now_us() -> int:
    return time.time_ns() // 1000


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the stand-in model ----------------------------------------------------------------

def sse(event: str, data: dict) -> bytes:
    body = f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(body), body)


async def read_request(reader) -> bytes:
    """One HTTP/1.1 request's body (the head is read and only its length kept)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return await reader.readexactly(length)


async def listen(handle, port_file: str) -> None:
    """Serves `handle` on a free loopback port, written to `port_file`, until killed."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
    async with server:
        await server.serve_forever()


def stream_opening() -> tuple[bytes, bytes]:
    """The HTTP head of a streamed answer and its first two events (message, text block)."""
    head = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\ncache-control: no-cache\r\n\r\n")
    start = sse("message_start", {"type": "message_start", "message": {
        "id": "msg_bench", "type": "message", "role": "assistant", "model": "bench-model",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 1}}})
    start += sse("content_block_start", {"type": "content_block_start", "index": 0,
                                         "content_block": {"type": "text", "text": ""}})
    return head, start


async def serve(port_file: str, rate: float, seconds: float):
    events = int(rate * seconds)
    interval = 1.0 / rate
    head, start = stream_opening()
    end = sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    end += sse("message_delta", {"type": "message_delta", "delta": {
        "stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": events}})
    end += sse("message_stop", {"type": "message_stop"}) + b"0\r\n\r\n"
    prefix = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,' \
             b'"delta":{"type":"text_delta","text":"t'

    async def stream(writer, reached):
        first = prefix[:-1] + b'r%d "}}\n\n' % reached
        writer.write(head + start + b"%x\r\n%s\r\n" % (len(first), first))
        due = time.monotonic()
        for _ in range(events):
            due += interval
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            body = prefix + b'%d "}}\n\n' % now_us()
            writer.write(b"%x\r\n%s\r\n" % (len(body), body))
        writer.write(end)
        await writer.drain()

    async def handle(reader, writer):
        try:
            while True:
                await read_request(reader)
                await stream(writer, now_us())
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    await listen(handle, port_file)


def start_model(rate, seconds, core) -> tuple[subprocess.Popen, int]:
    handle, port_file = tempfile.mkstemp(prefix="bench-model-port-")
    os.close(handle)
    # This file again, with fixed arguments (S603: no untrusted input).
    process = subprocess.Popen([sys.executable, __file__, "--serve", port_file,  # noqa: S603
                                "--rate", str(rate), "--seconds", str(seconds),
                                "--core", str(core)])
    for _ in range(200):
        if os.path.exists(port_file) and Path(port_file).read_text():
            return process, int(Path(port_file).read_text())
        time.sleep(0.05)
    raise RuntimeError("the stand-in model did not start")


# --- (a) the SDK alone -----------------------------------------------------------------

async def sdk_streams(base_url: str, count: int, expected: int) -> dict:
    import anthropic

    client = anthropic.AsyncAnthropic(api_key="bench", base_url=base_url, timeout=60,
                                      max_retries=0)
    delays, words = [], [0] * count

    async def one(index):
        await asyncio.sleep(STAGGER * index / count)
        async with client.messages.stream(model="bench-model", max_tokens=4096, messages=[
                {"role": "user", "content": "hi"}]) as stream:
            async for event in stream:
                if event.type == "text":
                    for match in WORD.finditer(event.text.encode()):
                        delays.append((now_us() - int(match.group(1))) / 1000)
                        words[index] += 1

    started, cpu = time.monotonic(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(count)))
    return {"delays": delays, "lost": count * expected - sum(words),
            "elapsed": time.monotonic() - started,
            "cpu_us": (time.process_time() - cpu) * 1e6 / max(1, sum(words))}


def run_sdk(base_url, count, expected, core) -> dict:
    # This file again, with fixed arguments (S603: no untrusted input).
    out = subprocess.run([sys.executable, __file__, "--sdk", str(count),  # noqa: S603
                          "--base-url", base_url, "--expected", str(expected),
                          "--core", str(core)],
                         capture_output=True, text=True, timeout=120)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.splitlines()[-1])


# --- (b) the app: daphne and WebSocket clients ----------------------------------------

class Socket:
    """A minimal RFC 6455 client: text frames in and out, pings answered."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port, path, cookie):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                      f"Origin: http://127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head.decode(errors="replace"))
        return cls(reader, writer)

    def send(self, text: str):
        payload, mask = text.encode(), os.urandom(4)
        size = len(payload)
        header = bytes([0x81]) + (bytes([0x80 | size]) if size < 126
                                  else bytes([0x80 | 126]) + struct.pack(">H", size))
        self.writer.write(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    async def receive(self) -> bytes | None:
        data = b""
        while True:
            first, second = await self.reader.readexactly(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", await self.reader.readexactly(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", await self.reader.readexactly(8))[0]
            payload = await self.reader.readexactly(size)
            opcode = first & 0x0F
            if opcode == 8:
                return None
            if opcode == 9:
                self.writer.write(bytes([0x8A, 0x80]) + b"\0\0\0\0")
                continue
            data += payload
            if first & 0x80:
                return data

    def close(self):
        self.writer.close()


def setup_app(count: int, tag: str) -> list[tuple[str, str]]:
    """Migrates, then makes `count` users with a signed-in session and a new chat each."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.utils.module_loading import import_string

    from accounts.models import User
    from chats.models import Chat

    call_command("migrate", verbosity=0)
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")
    result = []
    for n in range(count):
        user, _ = User.objects.get_or_create(email=f"bench-stream-{n}@example.com")
        chat = Chat.objects.create(user=user, title=f"Bench {tag} {n}")
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        result.append((f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                       f"/ws/chats/{chat.pk}/"))
    return result


def start_daphne(app_dir: Path, model_port: int, core: int) -> tuple[subprocess.Popen, int]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ANTHROPIC_API_KEY": "bench", "PYTHONPATH": str(app_dir),
           "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{model_port}", "ANTHROPIC_MODEL": "bench"}
    process = subprocess.Popen(  # noqa: S603 (daphne of this or the given checkout)
        [sys.executable, *(["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]]
                           if os.environ.get("BENCH_PROFILE") else []),
         "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "config.asgi:application"], cwd=app_dir, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        preexec_fn=lambda: pin([core]))
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, port
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
            time.sleep(0.1)
    raise RuntimeError("daphne did not start")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def app_streams(port: int, pid: int, chats: list[tuple[str, str]], expected: int) -> dict:
    # A first turn loads what the first answer of a fresh process loads (the SDK's
    # types, templates, Markdown): not what is measured.
    warm_cookie, warm_path = chats.pop(0)
    warm = await Socket.open(port, warm_path, warm_cookie)
    warm.send(json.dumps({"action": "send", "content": "Warm up."}))
    while (data := await warm.receive()) is not None:
        if data.startswith(b'{"type": "message"') and b'"status": "done"' in data \
                and b'data-role=\\"assistant\\"' in data:
            break
    warm.close()
    sockets = []
    for cookie, path in chats:  # opened one by one: connecting is not what is measured
        sockets.append(await Socket.open(port, path, cookie))
    await asyncio.sleep(0.5)
    delays, words, frames, size, done = [], [0] * len(chats), [0] * len(chats), \
        [0] * len(chats), [False] * len(chats)
    starts = []  # send → the request reached the model, ms

    async def one(index, socket):
        await asyncio.sleep(STAGGER * index / len(sockets))
        sent = now_us()
        socket.send(json.dumps({"action": "send", "content": "Stream, please."}))
        seen = set()
        while True:
            data = await socket.receive()
            arrived = now_us()
            if data is None:
                return
            if not seen and (reached := REACHED.search(data)):
                starts.append((int(reached.group(1)) - sent) / 1000)
            frames[index] += 1
            size[index] += len(data)
            for match in WORD.finditer(data):
                stamp = int(match.group(1))
                if stamp not in seen:  # the first frame holding this word
                    seen.add(stamp)
                    delays.append((arrived - stamp) / 1000)
                    words[index] += 1
            if data.startswith(b'{"type": "message"'):
                event = json.loads(data)
                if event.get("status") not in ("streaming", None) \
                        and 'data-role="assistant"' in event.get("html", ""):
                    done[index] = event["status"] == "done"
                    if os.environ.get("BENCH_DEBUG") and not done[index]:
                        print("final", event["status"], event["html"][-600:], file=sys.stderr)
                    return
            elif data.startswith(b'{"type": "error"'):
                raise RuntimeError(data.decode())

    started, cpu = time.monotonic(), cpu_seconds(pid)
    tasks = [asyncio.create_task(one(i, s)) for i, s in enumerate(sockets)]
    try:  # an answer whose final frame never comes counts as not done
        done_tasks, pending = await asyncio.wait(tasks,
                                                 timeout=STAGGER + 3 * expected / RATE + 10)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done_tasks:
            if task.exception():
                raise task.exception()
    finally:
        for socket in sockets:
            socket.close()
    if os.environ.get("BENCH_DEBUG"):
        print("words per answer", words, file=sys.stderr)
    return {"delays": delays, "starts": starts, "lost": len(chats) * expected - sum(words),
            "elapsed": time.monotonic() - started, "done": sum(done),
            "cpu_us": (cpu_seconds(pid) - cpu) * 1e6 / max(1, sum(words)),
            "frames": statistics.mean(frames), "bytes": statistics.mean(size)}


# --- the run --------------------------------------------------------------------------

def line(label, count, result):
    d = result["delays"]
    extra = ""
    if "frames" in result:
        extra = (f"  done {result['done']}/{count}  frames/answer {result['frames']:.0f}"
                 f"  KB/answer {result['bytes'] / 1024:.1f}")
    if result.get("starts"):
        starts = result["starts"]
        extra += (f"  send→model median {percentile(starts, 0.5):.0f} ms"
                  f" max {max(starts):.0f} ms ({len(starts)}/{count})")
    print(f"{label:>9} N={count:<4} p50 {percentile(d, 0.5):8.1f} ms  p99 "
          f"{percentile(d, 0.99):8.1f} ms  max {max(d, default=float('nan')):8.1f} ms  "
          f"lost {result['lost']}  {result['elapsed']:.1f} s  CPU/word {result['cpu_us']:.0f} µs"
          f" (= {capacity(result):.0f} streams per core){extra}", flush=True)


def capacity(result) -> float:
    """How many streams one core would carry at this CPU cost per word."""
    return 1e6 / (result["cpu_us"] * RATE) if result["cpu_us"] else float("nan")


def ok(result) -> bool:
    return result["lost"] == 0 and percentile(result["delays"], 0.99) <= LIMIT_MS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--ladder", type=int, nargs="+",
                        default=[5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 100, 120])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.5, 0.8, 1.0])
    parser.add_argument("--app", type=int, nargs="*", help="app N values (else fractions)")
    parser.add_argument("--app-dir", default=str(ROOT))
    parser.add_argument("--skip-app", action="store_true")
    parser.add_argument("--serve")
    parser.add_argument("--sdk", type=int)
    parser.add_argument("--base-url")
    parser.add_argument("--expected", type=int)
    parser.add_argument("--core", type=int, default=0)
    args = parser.parse_args()

    if args.serve:
        pin([args.core])
        asyncio.run(serve(args.serve, args.rate, args.seconds))
        return
    if args.sdk:
        pin([args.core])
        result = asyncio.run(sdk_streams(args.base_url, args.sdk, args.expected))
        print(json.dumps(result))
        return

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "DATA_DIR" not in os.environ:
        os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="anamnesis-bench-")
    os.environ.pop("ANAMNESIS_TESTING", None)
    measured, rest = 0, (1 if (os.cpu_count() or 1) > 1 else 0)
    pin([rest])
    global RATE
    RATE = args.rate
    expected = int(args.rate * args.seconds)
    mode = "PostgreSQL + Redis" if os.environ.get("DATABASE_URL") else "SQLite, in-memory layer"
    print(f"streams of {expected} words at {args.rate:g}/s; measured process on core "
          f"{measured}, model stand-in and clients on core {rest}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    model, model_port = start_model(args.rate, args.seconds, rest)
    base_url = f"http://127.0.0.1:{model_port}"
    try:
        ceiling = 0
        for count in args.ladder:
            result = run_sdk(base_url, count, expected, measured)
            line("SDK alone", count, result)
            if not ok(result):
                break
            ceiling = count
        print(f"ceiling: {ceiling} concurrent streams (p99 ≤ {LIMIT_MS:g} ms, none lost)",
              flush=True)
        if args.skip_app:
            return
        counts = args.app or sorted({max(1, round(ceiling * f)) for f in args.fractions})
        best = 0
        for step, count in enumerate(counts):
            chats = setup_app(count + 1, f"{os.getpid()}-{step}")
            daphne, port = start_daphne(Path(args.app_dir), model_port, measured)
            try:
                result = asyncio.run(app_streams(port, daphne.pid, chats, expected))
            finally:
                daphne.terminate()
                try:
                    daphne.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    daphne.kill()
                    daphne.wait()
            line(f"app ({'SQL' if 'SQLite' in mode else 'PG'})", count, result)
            if os.environ.get("BENCH_DEBUG"):  # what was saved: every word, and the status
                from chats.models import Message

                for saved in Message.objects.filter(
                        role="assistant", chat__title__contains=f"{os.getpid()}-{step}"):
                    print("saved", len(WORD.findall(saved.content.encode())),
                          saved.metadata.get("status"), file=sys.stderr)
            if ok(result) and result["done"] == count:
                best = max(best, count)
        ratio = best / ceiling if ceiling else float("nan")
        print(f"app, {mode}: {best} concurrent answers with p99 ≤ {LIMIT_MS:g} ms = "
              f"{ratio:.2f} × the SDK's ceiling of {ceiling} (target ≥ 0.80)", flush=True)
    finally:
        model.terminate()
        model.wait(timeout=10)


if __name__ == "__main__":
    main()
