#!/usr/bin/env python3
"""Runs Anamnesis's parts side by side and keeps them running: the web server (daphne),
the job worker (django-q2's qcluster), the delivery worker (the qcluster of the delivery
cluster: reminders never wait behind documents and exports) and the Telegram bot.

- One part failing never stops the others: a part that exits is started again after a
  delay that doubles on each quick failure (1 s … 60 s) and resets once it has run for a
  minute. Every exit and restart is logged with its exit code or signal.
- Ctrl-C or SIGTERM stops everything within 10 s and leaves nothing behind. Each part runs
  in its own process group; stopping sends SIGTERM to every group, waits GRACE seconds,
  then SIGKILLs whatever is left of each group (a worker's children included).

  Why the grace period ends in SIGKILL: qcluster's main process handles SIGTERM/SIGINT by
  calling `Cluster.stop()` *inside the signal handler*, which joins the sentinel; the
  sentinel waits for each worker to finish its current job (up to the 600 s job time
  limit) and then up to another `timeout` seconds for its monitor. Every further
  SIGTERM/SIGINT re-enters the same blocking handler, and the sentinel and its children
  ignore SIGINT — so a stopped `make run` left a qcluster behind for ~16 minutes.
  (Measured: with a 45 s job running, SIGTERM to qcluster's main process, then SIGINT and
  SIGTERM again, it exited only when the job had finished, 47 s later, logging "has
  stopped" three times: one per nested handler.) A job
  cut short here is settled by the stale-job sweepers (retried, then failed with the
  reason), so there is no need to wait for it.

Stdlib only; started by scripts/run.sh after the migrations, and by compose's worker
service as `supervise.py worker delivery`. Parts: the arguments, else SUPERVISE_PARTS
(default "web,worker,delivery,bot"). Environment: HOST, PORT, SUPERVISE_GRACE (seconds,
default 7).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE = float(os.environ.get("SUPERVISE_GRACE", "7"))
FIRST_DELAY, MAX_DELAY, STABLE_AFTER = 1.0, 60.0, 60.0


def log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} supervisor: {message}", flush=True)


DEFAULT_PARTS = "web,worker,delivery,bot"
# The environment a part adds to ours: the delivery cluster's name (config/settings.py).
PART_ENV = {"delivery": {"Q_CLUSTER_NAME": "delivery"}}


def commands() -> dict[str, list[str]]:
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    python = sys.executable
    return {
        "web": ["daphne", "-b", host, "-p", port, "config.asgi:application"],
        "worker": [python, "manage.py", "qcluster"],
        "delivery": [python, "manage.py", "qcluster"],
        "bot": [python, "manage.py", "telegram_bot"],
    }


def _die_with_parent() -> None:
    """In the child: its own process group, and SIGTERM if the supervisor itself dies."""
    os.setsid()
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Part:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float = 0.0
    history: list[int] = field(default_factory=list)

    def start(self) -> None:
        env = {**os.environ, **PART_ENV.get(self.name, {})}
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env,  # noqa: S603 (our own commands)
                                        preexec_fn=_die_with_parent)
        self.started = time.monotonic()
        self.history.append(self.process.pid)
        log(f"started {self.name} (pid {self.process.pid}): {' '.join(self.command)}")

    def reap(self) -> int | None:
        """The exit code if the part has exited since the last look, else None."""
        if self.process is None:
            return None
        code = self.process.poll()
        if code is None:
            return None
        self.process = None
        self.signal_group(signal.SIGKILL)  # whatever it left in its group
        ran = time.monotonic() - self.started
        self.delay = FIRST_DELAY if ran >= STABLE_AFTER else min(self.delay * 2, MAX_DELAY)
        wait = FIRST_DELAY if ran >= STABLE_AFTER else self.delay
        self.restart_at = time.monotonic() + wait
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"
        log(f"{self.name} {how} after {ran:.0f} s; the other parts keep running; "
            f"restarting it in {wait:.0f} s")
        return code

    def signal_group(self, signum: int) -> None:
        if not self.history:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.history[-1], signum)


class Supervisor:
    def __init__(self, names: list[str]):
        every = commands()
        self.parts = [Part(name, every[name]) for name in names]
        self.stopping = False

    def request_stop(self, signum, frame) -> None:
        if not self.stopping:
            log(f"got {signal.Signals(signum).name}: stopping every part")
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGHUP, self.request_stop)
        for part in self.parts:
            part.start()
        while not self.stopping:
            for part in self.parts:
                part.reap()
                if part.process is None and time.monotonic() >= part.restart_at \
                        and not self.stopping:
                    part.start()
            time.sleep(0.2)
        return self.stop()

    def stop(self) -> int:
        running = [part for part in self.parts if part.process is not None]
        for part in running:
            part.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline and any(p.process.poll() is None for p in running):
            time.sleep(0.1)
        for part in self.parts:
            if part.process is not None and part.process.poll() is None:
                log(f"{part.name} did not stop within {GRACE:.0f} s: killing its process group")
            # Its children too (qcluster's sentinel and workers), even when it exited.
            part.signal_group(signal.SIGKILL)
        for part in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                part.process.wait(timeout=2)
        log("stopped")
        return 0


def main(arguments: list[str]) -> int:
    listed = ",".join(arguments) or os.environ.get("SUPERVISE_PARTS", DEFAULT_PARTS)
    names = [n.strip() for n in listed.split(",") if n.strip()]
    return Supervisor(names).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
