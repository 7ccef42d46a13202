"""The walk of one chat message through the project's code: which project modules run
between the socket's `receive_json` and the answer's final save and publish, and how many
times `chats/assistant/context.py` is entered from outside. Not a test; run it by hand:

    DATA_DIR=$(mktemp -d) .venv/bin/python bench/chat_message_walk.py [--tool]

Uses the real consumer and engine and the real anthropic SDK against the local fake
Messages API (tests/fakes/anthropic_server.py). Python's sys.monitoring sees every thread,
so the ORM work run through sync_to_async is counted too. Modules of the Django/asgiref
machinery and tests are not project modules; `<app>/models.py` is counted when its code
runs (a manager method, a property), not when a model is merely queried.
"""

import argparse
import asyncio
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATA_DIR" not in os.environ:
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="anamnesis-walk-")

import django

django.setup()

from asgiref.sync import sync_to_async  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from channels.testing import WebsocketCommunicator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tests.fakes.anthropic_server import FakeAnthropicServer, Reply  # noqa: E402
from tests.sessions import signed_in_session  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOOL = sys.monitoring.PROFILER_ID
CONTEXT = "chats/assistant/context.py"
SKIPPED = (".venv/", "tests/", "bench/", "conftest.py")


class Walk:
    def __init__(self):
        self.modules: list[str] = []  # in the order first entered
        self.entries = Counter()  # module → times entered from another module

    def _module(self, code) -> str | None:
        path = code.co_filename
        if not path.startswith(str(ROOT)):
            return None
        relative = path[len(str(ROOT)) + 1:]
        return None if relative.startswith(SKIPPED) else relative

    def on_start(self, code, offset):
        module = self._module(code)
        if module is None:
            return
        if module not in self.modules:
            self.modules.append(module)
        caller = sys._getframe(2)  # 0 this callback, 1 the started frame, 2 its caller
        while caller is not None and self._module(caller.f_code) is None and \
                caller.f_code.co_filename.startswith(str(ROOT / ".venv")):
            caller = caller.f_back  # through asgiref/asyncio to the project code that asked
        if caller is None or self._module(caller.f_code) != module:
            self.entries[module] += 1

    def __enter__(self):
        sys.monitoring.use_tool_id(TOOL, "walk")
        sys.monitoring.register_callback(TOOL, sys.monitoring.events.PY_START, self.on_start)
        sys.monitoring.set_events(TOOL, sys.monitoring.events.PY_START)
        return self

    def __exit__(self, *exc):
        sys.monitoring.set_events(TOOL, 0)
        sys.monitoring.free_tool_id(TOOL)


async def one_message(user, chat, walk: Walk | None):
    from chats.routing import websocket_urlpatterns

    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/chats/{chat.pk}/")
    communicator.scope["user"] = user
    # The socket checks its session while it is open (accounts/socket_sessions.py).
    communicator.scope["session"] = await sync_to_async(signed_in_session)(user)
    assert (await communicator.connect(timeout=10))[0]
    while not communicator.output_queue.empty():
        await communicator.receive_output()
    with walk or _nothing():
        await communicator.send_json_to({"action": "send", "content": "How is my sleep?"})
        answer_id = None
        while True:
            event = await communicator.receive_json_from(timeout=10)
            if event["type"] == "error":
                raise RuntimeError(event["message"])
            if event["type"] != "message" or event.get("snapshot"):
                continue
            if answer_id is None and 'data-role="assistant"' in event["html"]:
                answer_id = event["id"]  # the empty answer, announced with the question
            if event["id"] == answer_id and event["status"] != "streaming":
                break
        await asyncio.sleep(0.2)  # the deletion of the Stop flag after the last publish
    await communicator.disconnect()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", action="store_true", help="the answer uses one tool first")
    parser.add_argument("--broken-context", action="store_true",
                        help="building the context fails (the document search raises)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    server = FakeAnthropicServer().start()
    os.environ["ANTHROPIC_BASE_URL"] = server.url
    settings.ANTHROPIC_API_KEY = "sk-walk"

    from accounts.models import User
    from chats.models import Chat

    User.objects.filter(email="walk@example.com").delete()
    user = User.objects.create_user(email="walk@example.com")
    chat = Chat.objects.create(user=user, title="Walk")

    async def run():
        server.queue(Reply.text("Warm up."))
        await one_message(user, chat, None)  # imports and first-use work stay out of the walk
        if args.tool:
            server.queue(Reply.tool("get_memory", {}), Reply.text("Nothing yet."))
        else:
            server.queue(Reply.text("You slept well."))
        if args.broken_context:
            from documents import search

            def broken(*args, **kwargs):
                raise RuntimeError("the search index is broken")

            search.search = broken
        walk = Walk()
        await one_message(user, chat, walk)
        return walk

    walk = asyncio.run(run())
    server.stop()
    print(f"project modules visited: {len(walk.modules)}")
    for module in walk.modules:
        print(f"  {module} (entered {walk.entries[module]}×)")
    print(f"{CONTEXT} entered {walk.entries[CONTEXT]}× from another module")


if __name__ == "__main__":
    main()
