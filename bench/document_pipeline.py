"""Benchmark: text-PDF extraction against raw PyMuPDF, and OCR pages per minute.

Run from the repository root: .venv/bin/python bench/document_pipeline.py
Makes its own files (text PDFs in English and Russian, scanned pages), so it needs no
samples; prints medians and ratios as Markdown for docs/benchmarks.md.
"""

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="anamnesis-bench-"))

import django

django.setup()

import pymupdf  # noqa: E402

from documents import ocr, readers  # noqa: E402
from documents.tests.conftest import image_only_pdf, scan_image, text_pdf  # noqa: E402

FILES, PAGES, ROUNDS = 20, 10, 5
LINES = [
    "City Hospital — Discharge summary / Выписной эпикриз",
    "Total cholesterol 6.1 mmol/L (3.0-5.2); LDL 4.0 mmol/L; HDL 1.1 mmol/L",
    "Пациент получал аторвастатин 20 мг, рекомендовано контроль через 3 месяца.",
] * 12


def raw_pymupdf(data: bytes) -> str:
    with pymupdf.open(stream=data, filetype="pdf") as pdf:
        return "\n\n".join(page.get_text() for page in pdf)


def ours(data: bytes) -> str:
    # The reader itself, in this process: the sandbox adds a fixed start-up cost per file.
    return readers.reader_for("application/pdf").text(data).text


def timed(function, files) -> float:
    start = time.perf_counter()
    for data in files:
        function(data)
    return time.perf_counter() - start


def main():
    files = [text_pdf(LINES, pages=PAGES) for _ in range(FILES)]
    raw, mine = [], []
    for _ in range(ROUNDS):
        raw.append(timed(raw_pymupdf, files))
        mine.append(timed(ours, files))
    raw_median, our_median = statistics.median(raw), statistics.median(mine)
    pages = FILES * PAGES
    print(f"### Text PDFs ({FILES} files × {PAGES} pages, median of {ROUNDS} rounds)\n")
    print("| extraction | total | pages/s | ratio |\n|---|---|---|---|")
    print(f"| raw PyMuPDF `page.get_text()` | {raw_median * 1000:.0f} ms | "
          f"{pages / raw_median:.0f} | 1.00× |")
    print(f"| Anamnesis text stage (the PDF reader's `text`) | {our_median * 1000:.0f} ms | "
          f"{pages / our_median:.0f} | {our_median / raw_median:.2f}× |")

    # A dense page: 26 lines of mixed Russian and English, like a hospital letter.
    page_lines = ["Анализ крови: гемоглобин 135 г/л, эритроциты 4,5",
                  "Prescription: Metformin 500 mg twice daily with food"] * 13
    scans = [scan_image(page_lines, size=(1700, 2200)) for _ in range(6)]
    pdf = pymupdf.open()
    for image in scans:
        pdf.insert_pdf(pymupdf.open(stream=image_only_pdf(image), filetype="pdf"))
    indexes = list(range(pdf.page_count))
    results = {}
    for workers in (1, ocr.workers()):
        ocr.workers = lambda count=workers: count
        start = time.perf_counter()
        list(ocr.pdf_pages_text(pdf, indexes))  # a generator: read every page
        results[workers] = time.perf_counter() - start
    print(f"\n### OCR (tesseract eng+rus, 300 dpi, {len(indexes)} dense scanned pages)\n")
    print("| parallel tesseract processes | total | pages per minute |\n|---|---|---|")
    for workers, seconds in results.items():
        print(f"| {workers} | {seconds:.1f} s | {len(indexes) / seconds * 60:.1f} |")


if __name__ == "__main__":
    main()
