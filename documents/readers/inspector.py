"""The upload-time checks (`readers.inspect`) of untrusted files, run in a sandboxed child.

libmagic, MuPDF and Pillow parse an uploaded file's headers while the upload request
waits, so that parsing runs outside the web process: in `python -m
documents.readers.inspector`, started like the job's reader (`sandbox.start`: a fresh
interpreter, never a fork of a process that has the settings loaded, with a minimal
environment, its own session, and no network where the machine allows namespaces), so
neither its environment nor its memory holds SECRET_KEY, the database URL or API keys. It
loads only the readers (`sandbox.readers_only`) and then checks one file after another:
an upload pays for a round trip over a pipe, not for starting Python
(bench/upload_inspect.py).

Each file is held to CPU_SECONDS of CPU time and MEMORY_MB of memory (resource limits the
child sets itself before each file) and to WALL_SECONDS, after which this process kills
the child. A file that hits a limit, crashes the child or makes it fail is refused with a
message (a 4xx for the user), and the child is replaced; so is a child that has checked
MAX_FILES files. Children are kept per process and started when an upload first needs
one: two uploads at once each get one, and at most IDLE wait for the next upload.

The protocol: each message is a 4-byte big-endian length and that many bytes. This process
sends a JSON header (the language and the limits) and then the file; the child answers
with one JSON message: {"kind": {...}}, {"refused": message, "status": 400},
{"limit": "memory"} or {"error": "..."}. It says {"ready": true} first, once its libraries
are loaded. Its answers are checked like any untrusted input.
"""

import atexit
import contextlib
import importlib
import json
import logging
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import base, sandbox
from .base import FileKind, RefusedFile

CPU_SECONDS = 10  # one file's checks: headers, page counts; real files take milliseconds
MEMORY_MB = 768  # address space beyond what the child holds when the file arrives
WALL_SECONDS = 15  # then the child is killed and the upload refused
START_SECONDS = 60  # a new child: Python, Django's translations, MuPDF, Pillow, libmagic
MAX_FILES = 500  # then a new child (memory a long life may fragment, a clean slate)
IDLE = 2
# Modules the child imports after the readers, named by tests (a reader that reports what
# the child can reach, or hangs); never from outside this process.
PRELOAD: tuple[str, ...] = ()
LENGTH = struct.Struct(">I")
MAX_ANSWER = 64 * 1024

log = logging.getLogger(__name__)


def inspect(data: bytes) -> FileKind:
    """What an uploaded file really is (readers.inspect), decided in the sandbox;
    RefusedFile with the reason when it is unacceptable or could not be checked."""
    inspector = take()
    try:
        return inspector.inspect(data)
    finally:
        give_back(inspector)


# --- The pool of this process ------------------------------------------------------------

_lock = threading.Lock()
_idle: list["Inspector"] = []


def take() -> "Inspector":
    with _lock:
        while _idle:
            inspector = _idle.pop()
            if inspector.usable():
                return inspector
            inspector.close()
    return Inspector()


def give_back(inspector: "Inspector") -> None:
    with _lock:
        if inspector.usable() and len(_idle) < IDLE:
            _idle.append(inspector)
            return
    inspector.close()


def stop_all() -> None:
    """Ends this process's idle children (at exit; tests that change PRELOAD)."""
    with _lock:
        idle = list(_idle)
        _idle.clear()
    for inspector in idle:
        inspector.close()


def _forked() -> None:
    """A forked process does not share its parent's children (their pipes carry one
    conversation each); it starts its own when it needs one."""
    global _lock
    _lock = threading.Lock()
    _idle.clear()


os.register_at_fork(after_in_child=_forked)
atexit.register(stop_all)


def send(stream, payload: bytes) -> None:
    stream.write(LENGTH.pack(len(payload)))
    stream.write(payload)


def receive(stream, limit: int | None = None) -> bytes:
    """One message; EOFError when the other side is gone, ValueError past `limit`."""
    head = stream.read(LENGTH.size)
    if len(head) < LENGTH.size:
        raise EOFError
    (size,) = LENGTH.unpack(head)
    if limit is not None and size > limit:
        raise ValueError(f"a message of {size} bytes")
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return payload


class Inspector:
    """One child and the conversation with it."""

    def __init__(self):
        self.owner = os.getpid()
        self.files = 0
        self.spoiled = False
        self.timed_out = threading.Event()
        self.work = tempfile.mkdtemp(prefix="anamnesis-inspect-")
        arguments = ["-m", "documents.readers.inspector"]
        for module in PRELOAD:
            arguments += ["--preload", module]
        try:
            with open(Path(self.work) / "stderr", "wb") as errors:
                self.process = sandbox.start(arguments, self.work, errors,
                                             stdin=subprocess.PIPE, text=False)
        except OSError:
            shutil.rmtree(self.work, ignore_errors=True)
            raise
        answer = self.ask([], START_SECONDS)
        if not (answer or {}).get("ready"):
            self.close()
            raise RuntimeError(f"the upload inspector did not start: {self.errors()}")

    def usable(self) -> bool:
        return (self.owner == os.getpid() and not self.spoiled and self.files < MAX_FILES
                and self.process.poll() is None)

    def kill(self) -> None:
        if self.process.returncode is None:  # not yet reaped, so the id is still its own
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def close(self) -> None:
        if self.owner != os.getpid():
            return  # a forked copy: the child belongs to the parent
        self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self.process.wait()
        shutil.rmtree(self.work, ignore_errors=True)

    def errors(self) -> str:
        try:
            return (Path(self.work) / "stderr").read_text(errors="replace")[-500:].strip()
        except OSError:
            return ""

    def ask(self, messages: list[bytes], seconds: float) -> dict | None:
        """Sends `messages`, reads one answer; None when the child died, was stopped after
        `seconds` or answered nonsense."""
        self.timed_out.clear()

        def stop():
            self.timed_out.set()
            self.kill()

        timer = threading.Timer(seconds, stop)
        timer.start()
        try:
            for message in messages:
                send(self.process.stdin, message)
            self.process.stdin.flush()
            answer = json.loads(receive(self.process.stdout, MAX_ANSWER))
        except (OSError, ValueError, EOFError):  # a broken pipe, a short read, not JSON
            answer = None
        finally:
            timer.cancel()
            timer.join()  # a stop already under way ends before the caller goes on
        return answer if isinstance(answer, dict) else None

    def inspect(self, data: bytes) -> FileKind:
        self.files += 1
        header = {"language": get_language() or "en", "cpu": CPU_SECONDS, "memory": MEMORY_MB}
        answer = self.ask([json.dumps(header).encode(), data], WALL_SECONDS)
        kind = checked_kind(answer.get("kind")) if answer is not None else None
        if kind is not None:
            return kind
        if answer is not None and isinstance(answer.get("refused"), str):
            status = answer.get("status")
            raise RefusedFile(answer["refused"][:2000],
                              status if status in (400, 413, 415, 422) else 400)
        self.spoiled = True  # whatever happened to it, the next file gets a new child
        if answer is not None and answer.get("limit") == "memory":
            raise too_big()
        if answer is None:
            if self.timed_out.is_set():
                raise too_long()
            try:  # it closed its end: it is ending, or has ended, on its own
                returncode = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
                returncode = self.process.wait()
            if returncode == -signal.SIGXCPU:  # past the CPU time of this file
                raise too_slow()
            log.warning("The upload inspector stopped on a file (exit %s): %s", returncode,
                        self.errors())
        else:
            log.error("The upload inspector failed on a file: %s", str(answer)[:500])
        raise RefusedFile(_("The file could not be checked: the reader stopped on it. It "
                            "may be damaged."))


def checked_kind(kind) -> FileKind | None:
    """The child's answer, believed only where it names one of our types with its own
    extension and a page count within the limit (a child whose parser was taken over must
    not choose how the file is stored); None otherwise."""
    try:
        mime_type, extension, pages = kind["mime_type"], kind["extension"], kind["page_count"]
        reader = base.READERS[mime_type]
    except (KeyError, TypeError):
        return None
    if (reader.extensions.get(mime_type) != extension or type(pages) is not int
            or not 0 < pages <= base.MAX_PAGES):
        return None
    return FileKind(mime_type, extension, pages)


def too_long() -> RefusedFile:
    return RefusedFile(
        _("Checking the file took longer than %(limit)s seconds; it may be damaged or made "
          "to hang the reader.") % {"limit": WALL_SECONDS}
    )


def too_slow() -> RefusedFile:
    return RefusedFile(
        _("Checking the file needed more than %(limit)s seconds of processing time; it may "
          "be damaged or a decompression bomb.") % {"limit": CPU_SECONDS}
    )


def too_big() -> RefusedFile:
    return RefusedFile(
        _("Checking the file needed more than %(limit)s MB of memory; it may be a "
          "decompression bomb.") % {"limit": MEMORY_MB}
    )


# --- The child ---------------------------------------------------------------------------

def at_most(value: int, hard: int) -> int:
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def cpu_seconds_used() -> int:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return int(used.ru_utime + used.ru_stime) + 1


def limit_this_file(cpu_seconds: int, memory_mb: int) -> None:
    """`cpu_seconds` more of CPU time (within the hard limit set for the child's whole
    life) and `memory_mb` more of address space than the child holds now, with the file."""
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (at_most(cpu_seconds_used() + cpu_seconds, hard),
                                             hard))
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * resource.getpagesize()
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (at_most(size + memory_mb * 1024 * 1024, hard),
                                            hard))


def lift_memory_limit() -> None:
    """Between files: room to receive the next one."""
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def answer_for(data: bytes) -> dict:
    from documents import readers

    try:
        return {"kind": asdict(readers.inspect(data))}
    except RefusedFile as refusal:
        return {"refused": str(refusal), "status": refusal.status}
    except MemoryError:
        return {"limit": "memory"}
    except Exception as error:  # reported to the web process, which replaces this child
        if "malloc" in str(error) or "out of memory" in str(error).lower():
            return {"limit": "memory"}
        return {"error": f"{type(error).__name__}: {error}"}


def serve(preload: list[str]) -> None:
    """Checks files until the web process closes the pipe (or kills this process)."""
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)
    os.dup2(2, 1)  # what a library prints goes to stderr, never into an answer
    sandbox.readers_only("en")
    from django.utils import translation

    from documents import readers  # noqa: F401 - loaded once, before the first file

    for module in preload:
        importlib.import_module(module)
    # The child's whole life: MAX_FILES files at their limit, and a margin.
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    life = at_most(cpu_seconds_used() + MAX_FILES * (CPU_SECONDS + 1) + 60, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (life, life))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def reply(message: dict) -> None:
        send(answers, json.dumps(message).encode())
        answers.flush()

    reply({"ready": True})
    while True:
        try:
            header = json.loads(receive(requests))
            data = receive(requests)
        except EOFError:
            return
        translation.activate(header["language"])
        limit_this_file(int(header["cpu"]), int(header["memory"]))
        answer = answer_for(data)
        del data
        lift_memory_limit()
        reply(answer)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    serve([arguments[i + 1] for i, flag in enumerate(arguments) if flag == "--preload"])
