"""Apple Health import (issue 20): how fast and in how much memory `interop.apple_health`
turns a large export into FHIR resources. Not a test:

    .venv/bin/python bench/apple_health_import.py                      # 500,000 records
    .venv/bin/python bench/apple_health_import.py --records 2000000 --tracemalloc

Writes an export of at least --records top-level records (the mix of a phone with a
watch: mostly heart rate and steps, some SpO2, weight, glucose, and blood pressure as
correlations plus their standalone readings) streaming to a temporary export.xml, zips it
as the Health app does, then consumes `resources()` on the zip. Prints records read per
second, resources produced, and the growth of the process's memory while consuming:
resident set size sampled every 5,000 resources (/proc/self/statm) and the peak resident
size (getrusage) against the one before. With --tracemalloc a second pass measures the
peak of Python's allocations (tracemalloc slows the pass down 2–3×). The limit of
issue 20 is ≤ 200 MB growth for a 1 GB export; growth that does not scale with the file
is what the streaming parser is for.

With --into-record the same export then goes the whole way, as the /import/ page sends it:
stored, detected, read by the job (`interop.tasks.run_import`, in its time slices) into
vitals of a fresh user in this process's database (migrated first), with the records per
second and the memory growth of the whole import.
"""

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATA_DIR" not in os.environ:
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="anamnesis-bench-")

import django

django.setup()

from interop import apple_health  # noqa: E402
from interop.tests.apple_export import write_large_export  # noqa: E402

GROWTH_LIMIT_MB = 200.0


def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def consume(path, traced=False):
    counts = {}
    before = peak = resident()
    max_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if traced:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    produced = 0
    for produced, _item in enumerate(apple_health.resources(
            path, progress=lambda **c: counts.update(c)), 1):
        if produced % 5000 == 0:
            peak = max(peak, resident())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    traced_peak = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    peak = max(peak, resident())
    max_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"elapsed": elapsed, "cpu": cpu, "produced": produced, "counts": counts,
            "rss_growth": peak - before, "maxrss_growth": max(0, max_after - max_before),
            "traced_peak": traced_peak}


def into_record(archive: Path, written: int) -> None:
    """The whole import: upload, job, the record's rows."""
    from django.core.files import File
    from django.core.management import call_command

    from accounts.models import User
    from interop import tasks, uploads
    from memory.models import Vital

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(email=f"bench-{time.time_ns()}@example.com")
    queued = []
    tasks.enqueue = queued.append  # the next slice runs here, not on a worker
    before = resident()
    max_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started, cpu = time.perf_counter(), time.process_time()
    with open(archive, "rb") as handle:
        record_import = uploads.accept(user, File(handle, name="export.zip"))
    tasks.run_import(str(record_import.pk))
    slices = 1
    while queued:
        tasks.run_import(str(queued.pop()))
        slices += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    growth = max(resident() - before,
                 resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - max_before)
    record_import.refresh_from_db()
    counts = record_import.counts
    print(f"Into the record ({connection_name()}): {record_import.status}, {slices} slice(s); "
          f"{written:,} records in {elapsed:.1f} s: {written / elapsed:,.0f} records/s "
          f"(CPU of this process {cpu:.1f} s); {counts.get('read', 0):,} resources read, "
          f"{counts.get('imported', 0):,} imported "
          f"({Vital.objects.filter(user=user).count():,} vitals), "
          f"{counts.get('skipped', 0):,} skipped; memory growth {growth / 2**20:.1f} MB, "
          f"{growth / 2**20 / GROWTH_LIMIT_MB:.2f}× the limit")


def connection_name() -> str:
    from django.db import connection

    return "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--into-record", action="store_true")
    args = parser.parse_args()

    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    print(f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; load average {load}")
    with tempfile.TemporaryDirectory(prefix="apple-health-bench-") as folder:
        xml = Path(folder) / "export.xml"
        started = time.perf_counter()
        with open(xml, "wb") as stream:
            written = write_large_export(stream, args.records)
        size = xml.stat().st_size
        archive = Path(folder) / "export.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.write(xml, "apple_health_export/export.xml")
        xml.unlink()
        print(f"Export: {written:,} records, export.xml {size / 2**20:,.0f} MB, "
              f"export.zip {archive.stat().st_size / 2**20:,.0f} MB "
              f"(written in {time.perf_counter() - started:.1f} s)")

        run = consume(archive)
        counts = run["counts"]
        rate = counts["read"] / run["elapsed"]
        print(f"Read {counts['read']:,} records in {run['elapsed']:.1f} s: "
              f"{rate:,.0f} records/s ({size / 2**20 / run['elapsed']:.1f} MB of XML/s); "
              f"{run['produced']:,} resources, {counts['skipped']:,} skipped "
              f"({counts['duplicates']:,} blood pressure readings held by a correlation); "
              f"CPU {run['cpu']:.1f} s: {counts['read'] / run['cpu']:,.0f} records per CPU "
              f"second (the figure the other processes on the machine change least)")
        growth = max(run["rss_growth"], run["maxrss_growth"]) / 2**20
        print(f"Memory growth while consuming: resident {run['rss_growth'] / 2**20:.1f} MB, "
              f"peak resident {run['maxrss_growth'] / 2**20:.1f} MB "
              f"→ {growth:.1f} MB, {growth / GROWTH_LIMIT_MB:.2f}× the limit of "
              f"{GROWTH_LIMIT_MB:.0f} MB")
        if args.tracemalloc:
            traced = consume(archive, traced=True)
            print(f"tracemalloc: peak of Python allocations {traced['traced_peak'] / 2**20:.1f} MB "
                  f"(traced pass {traced['elapsed']:.1f} s)")
        if args.into_record:
            into_record(archive, written)


if __name__ == "__main__":
    main()
