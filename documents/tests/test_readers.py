"""Readers by MIME type: every accepted type has one, each reads its own kind of file, and a
new type is one class plus one registration."""

import pymupdf
import pytest

from documents import ocr, readers
from documents.readers import base

from .conftest import LIPID_EN, image_bytes, image_only_pdf, scan_image, text_pdf


@pytest.mark.parametrize("mime_type, reader", [
    ("application/pdf", "PdfReader"), ("image/png", "ImageReader"), ("image/jpeg", "ImageReader"),
    ("image/tiff", "ImageReader"), ("image/webp", "ImageReader"), ("image/heic", "ImageReader"),
    ("text/plain", "TextReader"),
])
def test_each_accepted_type_has_its_reader(mime_type, reader):
    assert type(readers.reader_for(mime_type)).__name__ == reader


def test_inspect_decides_by_content_and_counts_pages():
    assert readers.inspect(text_pdf(LIPID_EN, pages=3)) == readers.FileKind(
        "application/pdf", "pdf", 3)
    assert readers.inspect(image_bytes(scan_image(["x"], size=(50, 20)))) == readers.FileKind(
        "image/png", "png", 1)
    assert readers.inspect("Глюкоза 5,1".encode("cp1251")).extension == "txt"


def test_text_and_preview_of_each_reader():
    pdf = readers.reader_for("application/pdf")
    assert "atorvastatin" in pdf.text(text_pdf(LIPID_EN)).text
    assert pdf.preview(text_pdf(LIPID_EN)).startswith(b"\x89PNG")
    text = readers.reader_for("text/plain")
    assert text.text("Глюкоза".encode("cp1251")).text == "Глюкоза"
    assert text.preview(b"x") is None


def test_only_the_scanned_page_of_a_pdf_gets_ocr(russian_scan, monkeypatch):
    pdf = pymupdf.open(stream=image_only_pdf(russian_scan), filetype="pdf")
    pdf.insert_pdf(pymupdf.open(stream=text_pdf(LIPID_EN), filetype="pdf"))
    seen, stages = [], []
    real = ocr.recognise
    monkeypatch.setattr(ocr, "recognise", lambda image: seen.append(image.size) or real(image))
    extracted = readers.reader_for("application/pdf").text(pdf.tobytes(), stages.append)
    assert len(seen) == 1 and stages == ["ocr:1/1"] and extracted.page_count == 2
    assert "гемоглобин" in extracted.text.lower() and "atorvastatin" in extracted.text


def test_a_new_type_is_one_class_and_one_registration(monkeypatch):
    monkeypatch.setattr(base, "READERS", dict(base.READERS))

    class CsvReader(readers.Reader):
        extensions = {"text/csv": "csv"}

        def inspect(self, data, mime_type):
            return readers.FileKind(mime_type, "csv", 1)

        def text(self, data, stage=base.no_stage):
            return readers.Extracted(data.decode().replace(",", " "), 1)

    with pytest.raises(readers.RefusedFile, match="not supported"):
        readers.inspect(b"analyte,value,unit\nLDL,4.0,mmol/L\nHDL,1.1,mmol/L\n")
    readers.register(CsvReader())
    data = b"analyte,value,unit\nLDL,4.0,mmol/L\nHDL,1.1,mmol/L\n"
    assert readers.inspect(data).extension == "csv"
    assert "LDL 4.0" in readers.reader_for("text/csv").text(data).text
