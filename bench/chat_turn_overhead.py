"""Server overhead of a chat turn: message sent on the socket → first token forwarded,
minus the model's own first-token time. Not a test; run it by hand:

    DATA_DIR=$(mktemp -d) .venv/bin/python bench/chat_turn_overhead.py [--messages 1000 5000]

Uses the real consumer, engine, context assembly and the real anthropic SDK against the
local fake Messages API (tests/fakes/anthropic_server.py); PostgreSQL when DATABASE_URL is
set, else SQLite. The model's first-token time is measured with the same SDK call made
directly, and subtracted. The fake model runs in a process of its own (the real one is on
another machine); `--model-in-process` puts it back in this one. Also printed: this
process's CPU time from the message to its first text, above the model alone's — less
sensitive than the wall clock to a machine shared with other work.
"""

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATA_DIR" not in os.environ:  # a throwaway embedded database unless told otherwise
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="anamnesis-bench-")

import django

django.setup()

from channels.routing import URLRouter  # noqa: E402
from channels.testing import WebsocketCommunicator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tests.fakes.anthropic_server import FakeAnthropicServer, Reply  # noqa: E402

LIMIT_MS = 20.0


def seed(messages: int, documents: int, memories: int):
    from accounts.models import User
    from chats.models import Chat, Message
    from documents.models import Document
    from memory.models import MemoryEntry

    User.objects.filter(email="bench@example.com").delete()
    user = User.objects.create_user(email="bench@example.com")
    chat = Chat.objects.create(user=user, title="Bench")
    Message.objects.bulk_create([
        Message(chat=chat, role="user" if n % 2 == 0 else "assistant",
                content=f"Message {n}: blood pressure 120/80, metformin, sleep and running. " * 3,
                metadata={"status": "done"})
        for n in range(messages)
    ], batch_size=1000)
    Document.objects.bulk_create([
        Document(user=user, filename=f"lab-{n}.pdf", file=f"uploads/{user.pk}/{n}/lab.pdf",
                 mime_type="application/pdf", file_size=1000, sha256=f"{n:064d}",
                 extracted_text="Glucose 5.4 mmol/L HbA1c 6.1 % cholesterol", status="completed")
        for n in range(documents)
    ], batch_size=500)
    MemoryEntry.objects.bulk_create([
        MemoryEntry(user=user, title=f"Fact {n}", content="details " * 5, category="other",
                    importance=["critical", "high", "medium", "low"][n % 4])
        for n in range(memories)
    ], batch_size=500)
    return user, chat


TURN_REQUESTS: list[dict] = []  # the options of the turns' SDK calls, the last one kept


def record_turn_requests() -> None:
    """Keeps the options of the last streamed SDK call (the helper, or the raw stream)."""
    from anthropic.resources.messages import AsyncMessages

    stream, create = AsyncMessages.stream, AsyncMessages.create

    def recorded_stream(self, **options):
        TURN_REQUESTS[:] = [options]
        return stream(self, **options)

    async def recorded_create(self, **options):
        if options.get("stream"):
            TURN_REQUESTS[:] = [{k: v for k, v in options.items() if k != "stream"}]
        return await create(self, **options)

    AsyncMessages.stream, AsyncMessages.create = recorded_stream, recorded_create


async def model_first_token(runs: int, options: dict | None = None):
    """The model alone: a one-word request, or `options` (the same call as a turn's)."""
    from chats import llm

    client = llm.async_client()
    options = options or {"model": "bench", "max_tokens": 64,
                          "messages": [{"role": "user", "content": "hi"}]}
    samples, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        async with client.messages.stream(**options) as stream:
            async for event in stream:
                if event.type == "text":
                    samples.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - cpu_started)
                    break
    return samples, cpu


async def turn_first_token(user, chat, runs: int) -> list[float]:
    from chats.assistant import stopping
    from chats.routing import websocket_urlpatterns

    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns),
                                         f"/ws/chats/{chat.pk}/")
    communicator.scope["user"] = user
    from asgiref.sync import sync_to_async

    from tests.sessions import signed_in_session

    communicator.scope["session"] = await sync_to_async(signed_in_session)(user)
    connected, _ = await communicator.connect(timeout=10)  # the first one warms up a lot
    assert connected
    samples, cpu = [], []
    for run in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        await communicator.send_json_to({"action": "send", "content": f"question {run}"})
        answer_id = None
        while True:
            event = await communicator.receive_json_from(timeout=10)
            if event["type"] == "error":
                raise RuntimeError(event["message"])
            if answer_id is None:  # the placeholder of this run's answer comes first
                if (event["type"] == "message" and 'data-role="assistant"' in event["html"]
                        and event["status"] == "streaming"):
                    answer_id = event["id"]
                continue
            # The first text arrives as a delta (the whole message only at the end).
            text = event.get("text") if event["type"] == "delta" else event.get("html")
            if event.get("id") == answer_id and "FIRSTTOKEN" in (text or ""):
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                break
        while stopping.running_tasks():  # let the answer finish before the next question
            await asyncio.gather(*stopping.running_tasks())
            await asyncio.sleep(0)
        while not communicator.output_queue.empty():  # drop the rest of this answer
            await communicator.receive_output()
    await communicator.disconnect()
    return samples, cpu


async def measure(user, chat, runs: int):
    await model_first_token(5)  # warm up both paths
    await turn_first_token(user, chat, 3)
    model = await model_first_token(runs)
    turn = await turn_first_token(user, chat, runs)
    same = await model_first_token(runs, dict(TURN_REQUESTS[-1]))
    return model, turn, same


def _reply(body):
    # Streamed like a model (a chunk every 20 ms): the first text reaches the pages as a
    # delta while the rest is still coming, as in a real answer. (A one-event answer would
    # end the turn before its publisher sends any delta, and measure the whole turn.)
    return Reply.text("FIRSTTOKEN and the rest of the answer, streamed.", chunk_size=16,
                      delay=0.02)


def _serve_model(connection) -> None:
    """The fake model in a process of its own, as the real one is on another machine: its
    work (reading a 60 kB request, the prompt-cache accounting) is not the app's, and it
    does not compete for the benchmark's interpreter lock."""
    server = FakeAnthropicServer().start()
    server.responder = _reply
    connection.send(server.url)
    connection.recv()  # until the benchmark is done
    server.stop()


def start_model(in_process: bool):
    if in_process:
        server = FakeAnthropicServer().start()
        server.responder = _reply
        return server.url, server.stop
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_model, args=(theirs,), daemon=True)
    process.start()
    url = ours.recv()

    def stop():
        ours.send("done")
        process.join(5)

    return url, stop


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--memories", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--model-in-process", action="store_true",
                        help="run the fake model in this process (as before 2026-11-26)")
    args = parser.parse_args()

    logging.getLogger("httpx2").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    record_turn_requests()
    url, stop_model = start_model(args.model_in_process)
    os.environ["ANTHROPIC_BASE_URL"] = url
    settings.ANTHROPIC_API_KEY = "sk-bench"

    from chats import limits
    limits.MESSAGES_PER_MINUTE = 10**9  # the benchmark sends faster than a person may

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; documents {args.documents}, memory entries {args.memories}; "
          f"model {'in this process' if args.model_in_process else 'in its own process'}")
    for count in args.messages:
        user, chat = seed(count, args.documents, args.memories)

        (model, model_cpu), (turn, turn_cpu), (same, same_cpu) = asyncio.run(
            measure(user, chat, args.runs))
        model_ms = statistics.median(model) * 1000
        turn_ms = statistics.median(turn) * 1000
        overhead = turn_ms - model_ms
        p90 = (statistics.quantiles(turn, n=10)[-1] - statistics.quantiles(model, n=10)[-1]) * 1000
        cpu_ms = (statistics.median(turn_cpu) - statistics.median(model_cpu)) * 1000
        print(f"{count} messages: turn first token {turn_ms:.1f} ms, model alone "
              f"{model_ms:.1f} ms, overhead {overhead:.1f} ms median "
              f"({overhead / LIMIT_MS:.2f}× the {LIMIT_MS:.0f} ms limit), "
              f"p90 {p90:.1f} ms; this process's CPU "
              f"{cpu_ms:.1f} ms median above the model alone's; "
              f"load average {os.getloadavg()[0]:.2f}")
        same_ms = statistics.median(same) * 1000
        same_cpu_ms = (statistics.median(turn_cpu) - statistics.median(same_cpu)) * 1000
        print(f"    the model alone with the turn's own request (the same SDK call, "
              f"{len(json.dumps(TURN_REQUESTS[-1], default=str)) // 1000} kB): "
              f"{same_ms:.1f} ms; overhead above it {turn_ms - same_ms:.1f} ms, "
              f"CPU {same_cpu_ms:.1f} ms")
    stop_model()


if __name__ == "__main__":
    main()
