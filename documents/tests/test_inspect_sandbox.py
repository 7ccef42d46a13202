"""The upload-time checks run in the inspector's sandboxed child, not in the web process.

A reader loaded into the child by the tests (inspect_probe.py) reports from inside
`inspect` what a hostile file taking over a parser there would find: the environment,
whether a local listener (like the database or Redis) answers. The child's memory is read
from outside for the server's secrets. Files that hang, spin, balloon or crash the checks
are refused with a message, and the web process goes on serving.
"""

import html
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from documents.models import Document
from documents.readers import base, inspector, sandbox

from .conftest import LIPID_EN, text_pdf, upload

pytestmark = pytest.mark.django_db

SECRETS = {
    "SECRET_KEY": "canary-secret-key-5f1c0e",
    "DATABASE_URL": "postgres://anamnesis:canary-hunter2@db:5432/anamnesis",
    "ANTHROPIC_API_KEY": "sk-ant-canary-api-key",
    "TELEGRAM_BOT_TOKEN": "123:canary-bot-token",
}


@pytest.fixture
def probe(monkeypatch):
    """The probe reader in the inspector's child (and, so a test also shows where the
    checks would otherwise run, in this process's registry); new children before and
    after, so no other test meets it."""
    monkeypatch.setattr(base, "READERS", dict(base.READERS))
    from . import inspect_probe

    base.register(inspect_probe.ProbeReader())
    monkeypatch.setattr(inspector, "PRELOAD", ("documents.tests.inspect_probe",))
    inspector.stop_all()
    yield
    inspector.stop_all()


@pytest.fixture
def listener():
    """A local TCP server, like the database or Redis the web process can reach."""
    server = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: _accept_all(server), daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def _accept_all(server):
    try:
        while True:
            server.accept()[0].close()
    except OSError:
        pass


def post(client, name, data):
    return client.post("/documents/", {"files": [upload(name, data)]})


def probe_report(response) -> dict:
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    return json.JSONDecoder().raw_decode(text, text.index("PROBE ") + len("PROBE "))[0]


def memory_of(pid: int) -> bytes:
    """Everything readable in the process's address space (read from outside)."""
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            addresses, permissions = line.split()[:2]
            if not permissions.startswith("r") or line.rstrip().endswith(("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(part, 16) for part in addresses.split("-"))
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except (OSError, ValueError, OverflowError):
                continue
    return b"".join(chunks)


def test_upload_checks_see_no_secret_and_no_network(client, user, probe, listener,
                                                    monkeypatch, settings):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings.SECRET_KEY = SECRETS["SECRET_KEY"]
    client.force_login(user)  # signed with the canary key
    socket.create_connection(("127.0.0.1", listener), timeout=3).close()  # reachable here

    report = probe_report(post(client, "probe.txt", f"probe:network:{listener}".encode()))

    assert report["pid"] != os.getpid()  # checked in another process…
    seen = report["env"]
    assert not set(SECRETS) & set(seen) and "canary" not in json.dumps(seen)
    assert set(seen) <= {*sandbox.PASSED_ENV, "HOME", "TMPDIR", "MALLOC_ARENA_MAX",
                         "OMP_THREAD_LIMIT", "PYTHONDONTWRITEBYTECODE"}
    assert report["settings_loaded"] is False  # …that never loaded the settings…
    # …whose memory holds none of the server's secrets (it was not forked from this one)…
    assert b"canary" not in memory_of(report["pid"])
    assert b"canary" not in Path(f"/proc/{report['pid']}/environ").read_bytes()
    # …and which has no network where this machine allows namespaces (it does here).
    assert report["reached"] is not bool(sandbox.isolation())
    assert not Document.objects.exists()


def test_the_child_is_reused_across_uploads_and_replaced_after_max_files(
    signed_in_client, probe, listener, monkeypatch
):
    monkeypatch.setattr(inspector, "MAX_FILES", 3)
    probe_file = f"probe:network:{listener}".encode()
    first = probe_report(post(signed_in_client, "a.txt", probe_file))["pid"]
    assert post(signed_in_client, "lipids.pdf", text_pdf(LIPID_EN)).status_code == 302
    assert probe_report(post(signed_in_client, "b.txt", probe_file))["pid"] == first
    assert probe_report(post(signed_in_client, "c.txt", probe_file))["pid"] != first


def test_a_hanging_file_is_cut_off_and_the_server_goes_on(signed_in_client, probe,
                                                          monkeypatch):
    monkeypatch.setattr(inspector, "WALL_SECONDS", 2)
    assert post(signed_in_client, "warm.txt", b"Glucose 5.1 mmol/L").status_code == 302

    started = time.monotonic()
    response = post(signed_in_client, "hang.txt", b"probe:hang")
    elapsed = time.monotonic() - started
    assert response.status_code == 400
    assert "took longer than 2 seconds" in response.content.decode()
    assert 2 <= elapsed < 8

    assert post(signed_in_client, "lipids.pdf", text_pdf(LIPID_EN)).status_code == 302
    page = signed_in_client.get("/documents/")
    assert page.status_code == 200 and "lipids.pdf" in page.content.decode()
    assert set(Document.objects.values_list("filename", flat=True)) == {"warm.txt",
                                                                        "lipids.pdf"}


@pytest.mark.parametrize("command, limits, phrase", [
    # The wall-clock limit out of the way: a loaded machine gives the child little CPU.
    ("spin", {"CPU_SECONDS": 1, "WALL_SECONDS": 120}, "more than 1 seconds of processing time"),
    ("balloon", {"MEMORY_MB": 200}, "more than 200 MB of memory"),
    ("crash", {}, "could not be checked: the reader stopped on it"),
    # A child whose parser was taken over does not choose how the file is stored.
    ("lie", {}, "could not be checked: the reader stopped on it"),
])
def test_a_file_that_bombs_or_crashes_the_checks_is_refused(signed_in_client, probe,
                                                            monkeypatch, command, limits,
                                                            phrase):
    for name, value in limits.items():
        monkeypatch.setattr(inspector, name, value)
    response = post(signed_in_client, f"{command}.txt", f"probe:{command}".encode())
    assert response.status_code == 400
    assert phrase in response.content.decode()
    assert not Document.objects.exists()
    assert post(signed_in_client, "lipids.pdf", text_pdf(LIPID_EN)).status_code == 302


def test_one_upload_hanging_does_not_hold_up_another(probe, monkeypatch):
    monkeypatch.setattr(inspector, "WALL_SECONDS", 8)
    refusals = []

    def hang():
        try:
            inspector.inspect(b"probe:hang")
        except base.RefusedFile as refusal:
            refusals.append(str(refusal))

    hanging = threading.Thread(target=hang)
    hanging.start()
    # The other upload gets a child of its own and is answered while the first still hangs
    # (each child takes a few seconds to start on a loaded machine, so no figure here).
    assert inspector.inspect(text_pdf(LIPID_EN)).page_count == 1
    assert hanging.is_alive()
    hanging.join()
    assert refusals and "took longer than 8 seconds" in refusals[0]


def test_refusals_keep_their_messages_and_language(client, make_user):
    ivan = make_user("ivan@example.com", language="ru")
    client.force_login(ivan)
    truncated = text_pdf(LIPID_EN)[:-400]
    response = post(client, "cut.pdf", truncated)
    assert response.status_code == 400
    assert "PDF обрезан (файл записан не полностью)" in response.content.decode()
    response = post(client, "empty.txt", b"")
    assert response.status_code == 400 and "Файл пустой." in response.content.decode()


def test_the_inspectors_own_refusals_are_in_the_users_language(client, make_user, probe):
    client.force_login(make_user("ivan@example.com", language="ru"))
    response = post(client, "crash.txt", b"probe:crash")
    assert response.status_code == 400
    assert "Файл не удалось проверить" in response.content.decode()
