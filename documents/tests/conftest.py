"""Real files for the document tests, made here: text PDFs in English and Russian, scans
rendered to images and image-only PDFs, and the bad kinds uploads must refuse."""

import io

import pillow_heif
import pymupdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
pillow_heif.register_heif_opener()  # the tests write HEIC files of their own

LIPID_EN = [
    "City Lab — Lipid panel",
    "Date: 2025-03-14",
    "Total cholesterol 6.1 mmol/L (3.0-5.2) HIGH",
    "LDL cholesterol 4.0 mmol/L (< 3.0) HIGH",
    "Patient takes atorvastatin 20 mg daily.",
]
LETTER_RU = [
    "Консультация кардиолога",
    "Пациентка жалуется на головокружение и слабость.",
    "Рекомендовано: контроль холестерина через три месяца.",
]


def text_pdf(lines, pages=1) -> bytes:
    pdf = pymupdf.open()
    for _ in range(pages):
        page = pdf.new_page()
        page.insert_font(fontname="dejavu", fontfile=FONT)
        y = 72
        for line in lines:
            page.insert_text((72, y), line, fontname="dejavu", fontsize=12)
            y += 20
    return pdf.tobytes()


def scan_image(lines, size=(1700, 900)) -> Image.Image:
    """A page of text as a scanner would give it: pixels only, no text layer."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 44)
    y = 60
    for line in lines:
        draw.text((60, y), line, font=font, fill=0)
        y += 80
    return image


def image_bytes(image, fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def image_only_pdf(image) -> bytes:
    pdf = pymupdf.open()
    png = image_bytes(image)
    page = pdf.new_page(width=image.width * 72 / 200, height=image.height * 72 / 200)
    page.insert_image(page.rect, stream=png)
    return pdf.tobytes()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def lipid_pdf():
    return text_pdf(LIPID_EN)


@pytest.fixture
def russian_pdf():
    return text_pdf(LETTER_RU)


@pytest.fixture
def russian_scan():
    return scan_image(["Анализ крови: гемоглобин 135 г/л", "Заключение: анемии нет"])


@pytest.fixture
def english_scan():
    return scan_image(["Prescription: Metformin 500 mg", "Take twice daily with food"])
