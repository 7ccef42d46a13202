"""What the document reader's child process can reach: none of the server's secrets, and
no network where this machine allows namespaces (sandbox.isolation() says which)."""

import json
import socket
import subprocess
import threading

import pytest

from documents.readers import sandbox

from .conftest import text_pdf

PROBE = """
import json, os, socket, sys
port = int(sys.argv[1])
try:
    socket.create_connection(("127.0.0.1", port), timeout=3).close()
    reached = True
except OSError as error:
    reached = False
print(json.dumps({"env": dict(os.environ), "reached": reached}))
"""


def _run_in_the_sandbox(tmp_path, port: int) -> dict:
    with open(tmp_path / "stderr", "wb") as errors:
        child = sandbox.start(["-c", PROBE, str(port)], str(tmp_path), errors)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0, (tmp_path / "stderr").read_text()
    return json.loads(out)


@pytest.fixture
def listener():
    """A local TCP server, like the database or Redis the worker can reach."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve():
        try:
            connection, _address = server.accept()
            accepted.append(True)
            connection.close()
        except OSError:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    server.close()


def test_the_child_sees_none_of_the_servers_secrets(tmp_path, monkeypatch, listener):
    monkeypatch.setenv("SECRET_KEY", "the-production-secret-key")
    monkeypatch.setenv("DATABASE_URL", "postgres://anamnesis:hunter2@db:5432/anamnesis")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret")
    seen = _run_in_the_sandbox(tmp_path, listener[0])["env"]
    assert not {"SECRET_KEY", "DATABASE_URL", "ANTHROPIC_API_KEY", "TELEGRAM_BOT_TOKEN",
                "REDIS_URL"} & set(seen)
    assert "secret" not in json.dumps(seen) and "hunter2" not in json.dumps(seen)
    assert set(seen) <= {*sandbox.PASSED_ENV, "HOME", "TMPDIR", "MALLOC_ARENA_MAX",
                         "OMP_THREAD_LIMIT", "PYTHONDONTWRITEBYTECODE", "LC_CTYPE"}


def test_the_child_cannot_reach_a_local_listener(tmp_path, listener):
    if not sandbox.isolation():
        pytest.skip("this machine allows no user and network namespaces (unshare refused); "
                    "only the environment is checked here, by the test above")
    port, accepted = listener
    # The listener is reachable from here…
    socket.create_connection(("127.0.0.1", port), timeout=3).close()
    accepted.clear()
    # …but not from the sandbox.
    assert _run_in_the_sandbox(tmp_path, port)["reached"] is False


def test_namespaces_are_available_on_this_machine():
    """Says what this machine allows (root and ordinary users alike here); the test of the
    listener above is skipped where this fails."""
    result = subprocess.run(["unshare", *sandbox.NO_NETWORK, "true"], capture_output=True)
    assert (result.returncode == 0) == bool(sandbox.isolation())


def test_a_pdf_is_still_read_in_the_isolated_child():
    read = sandbox.read("application/pdf", text_pdf(["Ferritin 12 ug/L LOW"]))
    assert "Ferritin 12" in read.text
