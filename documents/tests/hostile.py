"""Hostile files, made here: decompression bombs (TIFF, PNG, a PDF stream), many pages, a
deep PDF tree, polyglots, huge dimensions and truncated files. Each is small on disk and
built without holding its decoded size in memory (except the TIFF frames Pillow encodes)."""

import io
import struct
import zlib
from functools import cache

from PIL import Image

from .conftest import LIPID_EN, image_bytes, scan_image, text_pdf

MB = 1024 * 1024


def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from numbered object bodies (1, 2, …) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, xref)
    return bytes(out)


def stream(data: bytes, compressed: bool = True) -> bytes:
    if compressed:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + \
            b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def deflated(chunk: bytes, total: int) -> bytes:
    """zlib data that inflates to `total` bytes of `chunk` repeated, built a chunk at a time."""
    packer = zlib.compressobj(9)
    parts = [packer.compress(chunk) for _ in range(total // len(chunk))]
    return b"".join(parts) + packer.flush()


def pdf_pages_sharing_one_stream(pages=8, size=100 * MB) -> bytes:
    """Every page draws the same 100 MB content stream (~100 KB compressed)."""
    content = deflated(b"0 0 m 10 10 l 20 5 l h S\n" * 40_000, size)
    kids = b" ".join(b"%d 0 R" % (4 + index) for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
        + b"\nendstream",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"
                ] * pages
    return raw_pdf(objects)


def pdf_object_stream_bomb(padding=200 * MB) -> bytes:
    """The page tree sits in an object stream after 200 MB of spaces (~200 KB compressed):
    counting the pages means inflating all of it."""
    pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    header = b"2 %d 3 %d " % (padding, padding + len(pages) + 1)
    packer = zlib.compressobj(9)
    body = packer.compress(header)
    body += b"".join(packer.compress(b" " * MB) for _ in range(padding // MB))
    body += packer.compress(pages + b" " + page) + packer.flush()
    out = bytearray(b"%PDF-1.7\n")
    catalog = len(out)
    out += b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    container = len(out)
    out += (b"4 0 obj\n<< /Type /ObjStm /N 2 /First %d /Length %d /Filter /FlateDecode >>\n"
            b"stream\n" % (len(header), len(body)) + body + b"\nendstream\nendobj\n")
    xref = len(out)
    entries = [(0, 0, 65535), (1, catalog, 0), (2, 4, 0), (2, 4, 1), (1, container, 0),
               (1, xref, 0)]
    table = b"".join(struct.pack(">BIH", *entry) for entry in entries)
    out += (b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
            % len(table) + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


def pdf_with_pages(count: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (3 + index) for index in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * count
    return raw_pdf(objects)


def pdf_deep_page_tree(depth=20_000) -> bytes:
    """One page at the bottom of `depth` nested page-tree nodes."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        parent = b" /Parent %d 0 R" % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (number + 1, parent))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] >>" % (depth + 1))
    return raw_pdf(objects)


def pdf_deep_arrays(depth=200_000) -> bytes:
    """A page whose resources hold an array nested `depth` times."""
    nested = b"[" * depth + b"]" * depth
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /X %s >> >>"
        % nested,
    ])


def pdf_huge_page() -> bytes:
    """A valid page of 200 × 200 inches (the largest PDF allows) with a line of text."""
    text = b"BT /F1 400 Tf 100 7000 Td (Hemoglobin 135 g/L) Tj ET"
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>"
        b" >> >>",
        stream(text, compressed=False),
    ])


def polyglot_pdf_zip() -> bytes:
    """A real PDF with a ZIP archive (holding an HTML page) appended after it."""
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("index.html", "<html><script>alert(1)</script></html>" * 100)
    return text_pdf(LIPID_EN) + archive.getvalue()


def polyglot_pdf_html() -> bytes:
    """A PDF header, then an HTML page with a script, then a PDF body."""
    html = b"<html><body><script>alert(document.cookie)</script></body></html>\n"
    pdf = text_pdf(LIPID_EN)
    return pdf[:9] + b"%" + html + pdf[9:]


def html_with_pdf_header() -> bytes:
    return b"%PDF-1.4\n<!DOCTYPE html><html><script>alert(1)</script></html>\n" * 20


@cache
def tiff_bilevel_bomb(frames=10, side=9000) -> bytes:
    """Ten 9000×9000 one-bit frames in ~55 KB (CCITT G4): 810 MP to decode."""
    frame = Image.new("1", (side, side), 1)
    buffer = io.BytesIO()
    frame.save(buffer, "TIFF", compression="group4", save_all=True,
               append_images=[frame] * (frames - 1))
    return buffer.getvalue()


@cache
def tiff_second_frame_over_cap() -> bytes:
    """A small first page, then a 10 000 × 10 000 page: twice the 50 MP cap."""
    first = scan_image(["Hemoglobin 135 g/L"], size=(400, 200)).convert("1")
    buffer = io.BytesIO()
    first.save(buffer, "TIFF", compression="group4", save_all=True,
               append_images=[Image.new("1", (10_000, 10_000), 1)])
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data))


def png_bomb(side=20_000, color=False) -> bytes:
    """A genuine PNG of zero rows: one-bit 20 000 × 20 000 (400 MP) in ~50 KB, or with
    `color` 8-bit RGB (side × side × 3 bytes decoded)."""
    row = b"\x00" * (1 + (side * 3 if color else side // 8))
    packed = zlib.compressobj(9)
    data = b"".join(packed.compress(row) for _ in range(side)) + packed.flush()
    header = struct.pack(">IIBBBBB", side, side, 8 if color else 1, 2 if color else 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data)
            + png_chunk(b"IEND", b""))


def png_claiming(width, height) -> bytes:
    """A tiny PNG whose header claims a huge canvas."""
    data = bytearray(image_bytes(scan_image(["x"], size=(10, 10))))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def jpeg_claiming(width, height) -> bytes:
    """A small JPEG whose frame header (SOF0) claims a huge size."""
    data = bytearray(image_bytes(scan_image(["x"], size=(64, 64)).convert("RGB"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_claiming(side=16383) -> bytes:
    """A lossless WebP whose header claims 16383 × 16383 (268 MP)."""
    buffer = io.BytesIO()
    scan_image(["x"], size=(64, 64)).save(buffer, "WEBP", lossless=True)
    data = bytearray(buffer.getvalue())
    assert data[12:16] == b"VP8L" and data[20] == 0x2F
    flags = int.from_bytes(data[21:25], "little") & ~((1 << 28) - 1)
    data[21:25] = ((side - 1) | ((side - 1) << 14) | flags).to_bytes(4, "little")
    return bytes(data)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def heic_bytes() -> bytes:
    buffer = io.BytesIO()
    scan_image(["Hemoglobin 135 g/L"], size=(600, 300)).convert("RGB").save(buffer, "HEIF")
    return buffer.getvalue()


def truncated_files() -> dict[str, bytes]:
    scan = scan_image(["Hemoglobin 135 g/L", "Glucose 5.1 mmol/L"])
    return {
        "cut.pdf": truncated(text_pdf(LIPID_EN, pages=3)),
        "cut.png": truncated(image_bytes(scan)),
        "cut.jpg": truncated(image_bytes(scan.convert("RGB"), "JPEG")),
        "cut.tiff": truncated(image_bytes(scan, "TIFF")),
        "cut.webp": truncated(image_bytes(scan, "WEBP")),
        "cut.heic": truncated(heic_bytes()),
    }
