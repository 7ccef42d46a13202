"""Hostile files against the upload request and against the job.

The request does only cheap checks: each hostile upload answers within 2 s and grows this
process (the web process in the test) by less than 100 MB. Growth is measured as the peak
resident set size during the request (VmHWM, reset through /proc/self/clear_refs just
before it) minus the resident set size before it: it counts memory allocated by C
libraries (Pillow, MuPDF) too, which tracemalloc would not see. The job reads each bomb in
the sandbox and ends it `failed` with the reason, without a retry and without growing this
process either.
"""

import time
from pathlib import Path

import pytest
from django_q.models import Schedule

from documents import tasks
from documents.models import Document
from documents.readers import sandbox

from . import hostile
from .conftest import LIPID_EN, image_bytes, scan_image, text_pdf, upload
from .test_pipeline import make_document

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")]

MB = 1024 * 1024
REQUEST_SECONDS = 2.0
REQUEST_MB = 100
CLEAR_REFS = Path("/proc/self/clear_refs")


def memory(field: str) -> int:
    """A field of /proc/self/status (VmRSS, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise LookupError(field)


class Measured:
    """Wall time and peak memory growth of this process over a block."""

    def __enter__(self):
        CLEAR_REFS.write_text("5")  # the peak (VmHWM) starts again from the current RSS
        self.before = memory("VmRSS")
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.growth_mb = memory("VmHWM") - self.before


# name, file, what the page says (None: accepted, the job decides)
UPLOADS = [
    ("tiff-bomb.tiff", hostile.tiff_bilevel_bomb, "too large to process"),
    ("tiff-second-frame.tiff", hostile.tiff_second_frame_over_cap, "too large to process"),
    ("png-bomb.png", hostile.png_bomb, "too large to process"),
    ("huge.png", lambda: hostile.png_claiming(40_000, 40_000), "too large to process"),
    ("huge.jpg", lambda: hostile.jpeg_claiming(65_000, 65_000), "too large to process"),
    ("huge.webp", hostile.webp_claiming, "too large to process"),
    ("shared-stream.pdf", hostile.pdf_pages_sharing_one_stream, None),
    ("5000-pages.pdf", lambda: hostile.pdf_with_pages(5000), "at most 300"),
    ("object-stream-bomb.pdf", hostile.pdf_object_stream_bomb, "structure is too large"),
    ("deep-tree.pdf", hostile.pdf_deep_page_tree, None),
    ("deep-arrays.pdf", hostile.pdf_deep_arrays, None),
    ("huge-page.pdf", hostile.pdf_huge_page, None),
    ("polyglot-zip.pdf", hostile.polyglot_pdf_zip, "truncated"),
    ("polyglot-html.pdf", hostile.polyglot_pdf_html, None),
    ("html-with-pdf-header.pdf", hostile.html_with_pdf_header, "truncated"),
    *[(name, lambda name=name: hostile.truncated_files()[name], phrase) for name, phrase in [
        ("cut.pdf", "truncated"), ("cut.png", "damaged or truncated"),
        ("cut.jpg", "damaged or truncated"), ("cut.tiff", "damaged or truncated"),
        ("cut.webp", "damaged or truncated"), ("cut.heic", "damaged or truncated"),
    ]],
]


@pytest.mark.parametrize("name, make, phrase", UPLOADS, ids=[row[0] for row in UPLOADS])
def test_hostile_upload_is_answered_quickly_without_growing_the_web_process(
    signed_in_client, name, make, phrase, monkeypatch
):
    monkeypatch.setattr("documents.uploads.enqueue", lambda pk: None)  # the job is tested below
    data = make()
    # Warm up: the first uploads import the readers' libraries and Pillow's plugins and
    # compile the page's template (a refusal renders it), which is not the file's cost.
    signed_in_client.post("/documents/", {"files": [
        upload("warm.pdf", text_pdf(LIPID_EN)), upload("warm.txt", b"Glucose 5.1 mmol/L"),
        upload("warm.png", image_bytes(scan_image(["x"], size=(40, 20)))),
        upload("warm.tiff", image_bytes(scan_image(["x"], size=(40, 21)), "TIFF")),
        upload("warm-empty.pdf", b""),
    ]})
    with Measured() as cost:
        response = signed_in_client.post("/documents/", {"files": [upload(name, data)]})
    print(f"hostile upload {name} ({len(data)} B): {cost.seconds:.3f} s, "
          f"+{cost.growth_mb} MB, HTTP {response.status_code}")
    assert cost.seconds < REQUEST_SECONDS
    assert cost.growth_mb < REQUEST_MB
    if phrase is None:
        assert response.status_code == 302
        assert Document.objects.filter(filename=name, mime_type="application/pdf").exists()
    else:
        assert response.status_code == 400
        assert phrase in response.content.decode()
        assert not Document.objects.filter(filename=name).exists()


def test_polyglot_accepted_as_pdf_is_only_ever_served_as_a_pdf(signed_in_client):
    signed_in_client.post("/documents/", {"files": [upload("p.pdf", hostile.polyglot_pdf_html())]})
    document = Document.objects.get()
    for query in ("", "?inline=1"):
        response = signed_in_client.get(f"/documents/{document.pk}/download/{query}")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in signed_in_client.get(
        f"/documents/{document.pk}/download/")["Content-Disposition"]


# Bombs stored as they are (as if an older version had accepted them): the job must refuse
# them by the same limits. name, MIME type, file, limits for the test, reason shown.
JOBS = [
    ("tiff-bomb.tiff", "image/tiff", hostile.tiff_bilevel_bomb, {}, "too large to process"),
    ("tiff-second-frame.tiff", "image/tiff", hostile.tiff_second_frame_over_cap, {},
     "too large to process"),
    ("png-bomb.png", "image/png", hostile.png_bomb, {}, "too large to process"),
    ("5000-pages.pdf", "application/pdf", lambda: hostile.pdf_with_pages(5000), {},
     "at most 300"),
    ("shared-stream.pdf", "application/pdf", hostile.pdf_pages_sharing_one_stream,
     {"CPU_SECONDS": 3}, "seconds of processing time"),
    ("rgb-7000.png", "image/png", lambda: hostile.png_bomb(7000, color=True),
     {"MEMORY_MB": 100}, "MB of memory"),
    ("slow.pdf", "application/pdf", hostile.pdf_pages_sharing_one_stream,
     {"WALL_SECONDS": 2}, "took longer than 2 seconds"),
]


@pytest.mark.parametrize("name, mime, make, limits, reason", JOBS, ids=[row[0] for row in JOBS])
def test_job_on_a_bomb_ends_failed_with_the_reason(user, monkeypatch, name, mime, make, limits,
                                                   reason):
    for limit, value in limits.items():
        monkeypatch.setattr(sandbox, limit, value)
    document = make_document(user, make(), mime, name)
    with Measured() as cost:
        outcome = tasks.process_document(document.pk)
    print(f"hostile job {name}: {cost.seconds:.1f} s, worker +{cost.growth_mb} MB")
    document.refresh_from_db()
    assert outcome == "failed" and document.status == "failed"
    assert reason in document.error
    assert document.attempts == 1 and not Schedule.objects.filter(func=tasks.JOB).exists()
    assert cost.growth_mb < REQUEST_MB


@pytest.mark.parametrize("make", [hostile.pdf_deep_page_tree, hostile.pdf_deep_arrays,
                                  hostile.pdf_huge_page])
def test_job_on_a_strange_but_bounded_pdf_finishes(user, make, settings):
    settings.ANTHROPIC_API_KEY = ""
    document = make_document(user, make(), "application/pdf")
    assert tasks.process_document(document.pk) in ("completed", "failed")
    document.refresh_from_db()
    assert not document.is_busy and (document.status == "completed" or document.error)
    if make is hostile.pdf_huge_page:  # rendered at a lower resolution, still read
        assert "Hemoglobin" in document.extracted_text and document.preview
