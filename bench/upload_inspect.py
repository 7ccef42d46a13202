"""Benchmark: what running the upload-time checks in the sandbox costs an upload.

Run from the repository root: .venv/bin/python bench/upload_inspect.py [ROUNDS]
Makes its own files (text PDFs, a scanned page as PNG and as JPEG, a text file) and
times `readers.inspect` three ways, median of ROUNDS (default 30) per file:

- in the web process (as before issue 22: no sandbox),
- in the long-lived inspector child (readers/inspector.py, as now),
- in a child started for each upload (the design not taken), with the CPU it spends.

Prints Markdown for docs/benchmarks.md.
"""

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="anamnesis-bench-"))
os.environ.setdefault("ANAMNESIS_TESTING", "1")

import django

django.setup()

from documents.readers import base, inspector, sandbox  # noqa: E402
from documents.tests.conftest import LIPID_EN, image_bytes, scan_image, text_pdf  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
FRESH_ROUNDS = max(5, ROUNDS // 3)  # a child per upload is slow: fewer rounds
TICK = os.sysconf("SC_CLK_TCK")


def files() -> dict[str, bytes]:
    scan = scan_image(LIPID_EN)
    return {
        "text PDF, 1 page": text_pdf(LIPID_EN),
        "text PDF, 50 pages": text_pdf(LIPID_EN, pages=50),
        "scan, PNG 1700×900": image_bytes(scan),
        "scan, JPEG 1700×900": image_bytes(scan.convert("RGB"), "JPEG"),
        "text file, 40 kB": b"Glucose 5.1 mmol/L; cholesterol 6.1 mmol/L\n" * 1000,
    }


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def median_ms(check, data: bytes, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        check(data)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def fresh_child(data: bytes) -> tuple[float, float]:
    """Wall and CPU seconds of one upload checked by a child started for it."""
    started = time.perf_counter()
    child = inspector.Inspector()
    pid = child.process.pid
    child.inspect(data)
    cpu = cpu_seconds(pid)
    wall = time.perf_counter() - started
    child.close()
    return wall, cpu


def main() -> None:
    samples = files()
    started = time.perf_counter()
    inspector.inspect(b"warm")  # the first upload of a process starts the child
    cold = time.perf_counter() - started
    child = inspector._idle[0]
    isolation = "unshare" if sandbox.isolation() else "none"
    print(f"load {os.getloadavg()[0]:.1f}; isolation: {isolation}; first upload (starts the "
          f"child): {cold * 1000:.0f} ms; {ROUNDS} rounds\n")
    print("| file | in the web process | inspector child | overhead | child per upload "
          "(wall / CPU) |")
    print("|---|---|---|---|---|")
    for name, data in samples.items():
        base.inspect(data)  # warm this process's readers too
        before = median_ms(base.inspect, data, ROUNDS)
        cpu_before = cpu_seconds(child.process.pid)
        after = median_ms(inspector.inspect, data, ROUNDS)
        child_cpu = (cpu_seconds(child.process.pid) - cpu_before) / ROUNDS * 1000
        fresh = [fresh_child(data) for _ in range(FRESH_ROUNDS)]
        wall = statistics.median(w for w, _ in fresh) * 1000
        cpu = statistics.median(c for _, c in fresh) * 1000
        print(f"| {name} ({len(data) // 1024} kB) | {before:.1f} ms | {after:.1f} ms "
              f"(child CPU {child_cpu:.1f} ms) | {after - before:+.1f} ms | {wall:.0f} ms / "
              f"{cpu:.0f} ms |")
    assert inspector._idle[0] is child, "the inspector was replaced during the run"


if __name__ == "__main__":
    main()
