"""Reading a stored file in a child process held to a CPU-time and a memory limit.

A hostile file (a decompression bomb, a PDF whose pages share one huge stream, a page that
would render to gigapixels) must cost the worker at most these limits and end the document
`failed` with the reason, never hang the job or take the worker down. `read(mime_type,
data, stage)` runs the type's reader (`text`, then `preview`) in
`python -m documents.readers.sandbox`, which sets `resource` limits on itself once its
libraries are loaded, reads one page or frame at a time, and answers with one JSON line per
stage and one final line; the text and the preview travel as files in a private directory.

The child is given nothing it could leak: a minimal environment (no SECRET_KEY, database
URL or API keys; only PATH, the locale and the variables of its libraries), and, where the
kernel allows it (Linux user and network namespaces, `unshare --user --map-root-user
--net`, for root and for ordinary users alike), a network of its own with no interface up,
so a file that took over a parser cannot reach the database, Redis, the metadata service
or the internet. Where namespaces are not available the child runs with the network, and
a warning says so once per process (`isolation()`).
"""

import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .base import RefusedFile, Stage, no_stage

CPU_SECONDS = 240  # processing time for one file: text, OCR and preview
MEMORY_MB = 1536  # address space beyond what the child's libraries take at start
WALL_SECONDS = 480  # django-q2 stops a job at 600 s; we stop the child first
ROOT = Path(__file__).resolve().parent.parent.parent
# What the child may see of the environment: where programs are, the locale, and the
# settings of the libraries it runs (tesseract's data, OpenMP's threads, glibc's arenas).
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TESSDATA_PREFIX", "OMP_NUM_THREADS",
              "OMP_THREAD_LIMIT")
NO_NETWORK = ["--user", "--map-root-user", "--net", "--"]

log = logging.getLogger(__name__)


class LimitExceeded(RefusedFile):
    """The file needs more time or memory than a document may take: retrying won't help."""


@dataclass
class Read:
    text: str
    page_count: int
    preview: bytes | None
    page_starts: list[int] = field(default_factory=list)  # where each page begins in text


def too_slow() -> LimitExceeded:
    return LimitExceeded(
        _("Reading the file needed more than %(limit)s seconds of processing time; it may be "
          "a decompression bomb or too long to process.") % {"limit": CPU_SECONDS}
    )


def too_big() -> LimitExceeded:
    return LimitExceeded(
        _("Reading the file needed more than %(limit)s MB of memory; it may be a "
          "decompression bomb.") % {"limit": MEMORY_MB}
    )


def read(mime_type: str, data: bytes, stage: Stage = no_stage) -> Read:
    """The file's text and preview, read in the sandbox; RefusedFile (LimitExceeded past a
    limit) when the file cannot be read, RuntimeError when the child failed otherwise."""
    with tempfile.TemporaryDirectory(prefix="anamnesis-read-") as work:
        folder = Path(work)
        (folder / "input").write_bytes(data)
        with open(folder / "stderr", "wb") as errors:
            child = start(["-m", "documents.readers.sandbox", work, mime_type,
                           get_language() or "en", str(CPU_SECONDS), str(MEMORY_MB)],
                          work, errors)
        timed_out = threading.Event()

        def stop():
            timed_out.set()
            os.killpg(child.pid, signal.SIGKILL)  # the child and any tesseract it started

        timer = threading.Timer(WALL_SECONDS, stop)
        timer.start()
        final = {}
        try:
            for line in child.stdout:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue  # not ours: libraries write to stderr, but be safe
                if "stage" in message:
                    stage(message["stage"])
                else:
                    final = message
            child.wait()
        finally:
            timer.cancel()
            child.stdout.close()
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        return outcome(child.returncode, final, timed_out.is_set(), folder)


def start(arguments: list[str], work: str, errors, stdin=subprocess.DEVNULL,
          text: bool = True) -> subprocess.Popen:
    """Python with `arguments` as the sandbox's child: its own session (killed as a group),
    a minimal environment, no network where the machine allows, its answers on stdout
    (text unless `text` is False; readers/inspector.py talks in bytes over stdin too)."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter, arguments we made
        [*isolation(), sys.executable, *arguments], stdout=subprocess.PIPE, stderr=errors,
        stdin=stdin, cwd=ROOT, env=child_environment(work), start_new_session=True, text=text,
    )


def child_environment(work: str) -> dict[str, str]:
    """A minimal environment: nothing of the server's secrets reaches the child."""
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    env.update(HOME=work, TMPDIR=work, MALLOC_ARENA_MAX="2", OMP_THREAD_LIMIT="1",
               PYTHONDONTWRITEBYTECODE="1")
    return env


@cache
def isolation() -> list[str]:
    """The command prefix that takes the network away from the child, [] where this
    machine does not allow it (tried once per process, and said in the log)."""
    unshare = shutil.which("unshare")
    problem = "the unshare command (util-linux) is not installed"
    if unshare:
        try:
            probe = subprocess.run(  # noqa: S603 - a fixed command
                [unshare, *NO_NETWORK, "true"], capture_output=True, timeout=10,
                env={"PATH": os.defpath},
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            problem = f"unshare failed to run ({error})"
        else:
            if probe.returncode == 0:
                log.info("Document sandbox: the reader runs without network (user and "
                         "network namespaces) and with a minimal environment.")
                return [unshare, *NO_NETWORK]
            problem = ("user and network namespaces are not allowed here ("
                       + probe.stderr.decode(errors="replace").strip()[:200] + ")")
    log.warning("Document sandbox: %s, so the reader keeps the network; it still runs with "
                "a minimal environment and its CPU and memory limits.", problem)
    return []


def outcome(returncode: int, final: dict, timed_out: bool, folder: Path) -> Read:
    if final.get("ok"):
        preview = folder / "preview.png"
        return Read((folder / "text").read_text(encoding="utf-8"), final["pages"],
                    preview.read_bytes() if preview.exists() else None,
                    [int(start) for start in final.get("page_starts") or []])
    if final.get("refused"):
        raise RefusedFile(final["refused"])
    if timed_out:
        raise LimitExceeded(
            _("Reading the file took longer than %(limit)s seconds.") % {"limit": WALL_SECONDS}
        )
    if final.get("limit") == "memory":
        raise too_big()
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise too_slow()
    if returncode in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
        # What a C library does when an allocation past the limit fails.
        raise too_big()
    detail = final.get("error") or (folder / "stderr").read_text(errors="replace")[-500:]
    raise RuntimeError(f"the reader stopped (exit {returncode}): {detail}".strip())


# --- The child ---------------------------------------------------------------------------

PROTOCOL = sys.stdout


def emit(message: dict) -> None:
    PROTOCOL.write(json.dumps(message) + "\n")
    PROTOCOL.flush()


def private_stdout() -> None:
    """The messages keep the real stdout; whatever a library prints (MuPDF's warnings)
    goes to stderr instead, so it cannot break a message."""
    global PROTOCOL
    PROTOCOL = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)


def limit(cpu_seconds: int, memory_mb: int) -> None:
    """From now on: `cpu_seconds` more of CPU time and `memory_mb` more of address space."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (spent + cpu_seconds, spent + cpu_seconds + 5))
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (size + memory_mb * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def readers_only(language: str) -> None:
    """Django as far as the readers need it: translated messages, no settings module (so
    no secrets), no database, no apps."""
    import django
    from django.conf import settings
    from django.utils import translation

    settings.configure(USE_I18N=True, INSTALLED_APPS=[], LANGUAGE_CODE=language,
                       LOCALE_PATHS=[ROOT / "documents" / "locale"])
    django.setup()
    translation.activate(language)


def child(work: str, mime_type: str, language: str, cpu_seconds: int, memory_mb: int) -> None:
    private_stdout()
    readers_only(language)
    from documents import readers
    from documents.readers import base

    folder = Path(work)
    data = (folder / "input").read_bytes()
    limit(cpu_seconds, memory_mb)
    try:
        reader = readers.reader_for(mime_type)
        extracted = reader.text(data, lambda name: emit({"stage": name}))
        base.check_text_length(len(extracted.text))
        preview = reader.preview(data)
    except RefusedFile as refusal:
        emit({"refused": str(refusal)})
        return
    except MemoryError:
        emit({"limit": "memory"})
        return
    except Exception as error:  # reported to the parent, which retries
        if "malloc" in str(error) or "out of memory" in str(error).lower():
            emit({"limit": "memory"})
        else:
            emit({"error": f"{type(error).__name__}: {error}"})
        return
    (folder / "text").write_text(extracted.text, encoding="utf-8")
    if preview is not None:
        (folder / "preview.png").write_bytes(preview)
    emit({"ok": True, "pages": extracted.page_count, "page_starts": extracted.page_starts})


if __name__ == "__main__":
    directory, kind, lang, cpu, memory = sys.argv[1:6]
    child(directory, kind, lang, int(cpu), int(memory))
