"""Uploading: the type by content, limits, duplicates, safe names, and every bad kind of
file refused with a clear message and a 4xx, leaving nothing stored."""

import io
import struct
import zlib

import pymupdf
import pytest
from constance.test.pytest import override_config
from django.core.files.storage import default_storage

from documents.models import Document

from .conftest import LIPID_EN, image_bytes, scan_image, text_pdf, upload

pytestmark = pytest.mark.django_db


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def post(client, *files):
    return client.post("/documents/", {"files": list(files)})


def assert_refused(response, settings, phrase, status=400):
    assert response.status_code == status
    assert phrase in response.content.decode()
    assert Document.objects.count() == 0
    assert stored_files(settings) == []


def test_upload_of_several_files_stores_each_and_queues_processing(
    signed_in_client, user, lipid_pdf, russian_pdf, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("documents.uploads.enqueue", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(signed_in_client, upload("lipids.pdf", lipid_pdf),
                        upload("письмо.pdf", russian_pdf), upload("note.txt", b"Aspirin 100 mg"))
    assert response.status_code == 302
    documents = {doc.filename: doc for doc in Document.objects.for_user(user)}
    assert set(documents) == {"lipids.pdf", "письмо.pdf", "note.txt"}
    assert documents["lipids.pdf"].mime_type == "application/pdf"
    assert documents["note.txt"].mime_type == "text/plain"
    assert all(doc.status == "pending" for doc in documents.values())
    assert sorted(queued) == sorted(doc.pk for doc in documents.values())
    stored = documents["lipids.pdf"].file.name
    assert stored.startswith(f"uploads/{user.pk}/{documents['lipids.pdf'].pk}/")
    assert default_storage.open(stored).read() == lipid_pdf


def test_type_is_decided_by_content_not_by_name(signed_in_client, user, lipid_pdf):
    post(signed_in_client, upload("looks-like-text.txt", lipid_pdf),
         upload("looks-like.pdf", b"Glucose 5.1 mmol/L\n"))
    kinds = dict(Document.objects.values_list("filename", "mime_type"))
    assert kinds == {"looks-like-text.txt": "application/pdf", "looks-like.pdf": "text/plain"}
    pdf = Document.objects.get(filename="looks-like-text.txt")
    assert pdf.file.name.endswith(".pdf")


def test_images_of_every_accepted_kind_are_stored(signed_in_client, user):
    image = scan_image(["x"], size=(200, 100))
    heif = io.BytesIO()
    image.convert("RGB").save(heif, "HEIF")
    files = [upload(f"scan.{fmt.lower()}", image_bytes(image.convert("RGB"), fmt))
             for fmt in ("PNG", "JPEG", "TIFF", "WEBP")]
    files.append(upload("phone.heic", heif.getvalue()))
    assert post(signed_in_client, *files).status_code == 302
    assert sorted(Document.objects.values_list("mime_type", flat=True)) == sorted(
        ["image/png", "image/jpeg", "image/tiff", "image/webp", "image/heic"])


def test_duplicate_points_to_the_existing_document(signed_in_client, user, lipid_pdf):
    post(signed_in_client, upload("first.pdf", lipid_pdf))
    response = signed_in_client.post("/documents/", {"files": [upload("again.pdf", lipid_pdf)]},
                                     follow=True)
    assert Document.objects.count() == 1
    assert "again.pdf was already uploaded as first.pdf" in response.content.decode()


def test_same_file_of_another_user_is_not_a_duplicate(client, user, other_user, lipid_pdf):
    for who in (user, other_user):
        client.force_login(who)
        post(client, upload("lab.pdf", lipid_pdf))
    assert Document.objects.count() == 2


def test_executable_is_refused(signed_in_client, settings):
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
    assert_refused(post(signed_in_client, upload("report.pdf", elf)), settings, "not supported")


@pytest.mark.parametrize("name, data", [
    ("page.html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("image.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                  b'<script>alert(1)</script></svg>'),
])
def test_active_content_is_refused(signed_in_client, settings, name, data):
    assert_refused(post(signed_in_client, upload(name, data)), settings, "not supported")


def test_empty_file_is_refused(signed_in_client, settings):
    assert_refused(post(signed_in_client, upload("empty.pdf", b"")), settings, "The file is empty")


def test_truncated_pdf_is_refused(signed_in_client, settings):
    data = text_pdf(LIPID_EN, pages=3)
    assert_refused(post(signed_in_client, upload("cut.pdf", data[: len(data) // 2])), settings,
                   "truncated")


def test_truncated_image_is_refused(signed_in_client, settings):
    data = image_bytes(scan_image(["Hemoglobin 135 g/L"]))
    assert_refused(post(signed_in_client, upload("cut.png", data[: len(data) // 2])), settings,
                   "damaged or truncated")


def png_claiming(width, height) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb's signature."""
    data = bytearray(image_bytes(scan_image(["x"], size=(10, 10))))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def test_decompression_bomb_is_refused(signed_in_client, settings):
    assert_refused(post(signed_in_client, upload("bomb.png", png_claiming(40000, 40000))),
                   settings, "too large to process")


def test_encrypted_pdf_is_refused_with_that_reason(signed_in_client, settings):
    pdf = pymupdf.open(stream=text_pdf(LIPID_EN), filetype="pdf")
    data = pdf.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="o")
    assert_refused(post(signed_in_client, upload("locked.pdf", data)), settings, "encrypted")


def test_pdf_with_too_many_pages_is_refused(signed_in_client, settings):
    # Counted by the upload inspector's child (readers/inspector.py), at the real limit.
    assert_refused(post(signed_in_client, upload("long.pdf", text_pdf(["x"], pages=301))),
                   settings, "at most 300")


@override_config(upload_max_file_mb=1)
def test_file_over_the_size_limit_is_refused(signed_in_client, settings):
    big = b"Cholesterol 5.0 mmol/L\n" * 50_000
    assert_refused(post(signed_in_client, upload("big.txt", big)), settings, "1 MB limit", 413)


@override_config(upload_quota_mb=1)
def test_quota_is_enforced_per_user(signed_in_client, settings):
    part = b"Glucose 5.0 mmol/L\n" * 30_000  # ~570 kB
    assert post(signed_in_client, upload("a.txt", part)).status_code == 302
    response = post(signed_in_client, upload("b.txt", part + b"x"))
    assert response.status_code == 413
    assert "quota of 1 MB" in response.content.decode()
    assert Document.objects.count() == 1


@pytest.mark.parametrize("hostile, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Windows\\system32\\evil.pdf", "evil.pdf"),
    ("<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
    ("bad\x00name\n.pdf", "badname.pdf"),
    ("анализы крови.pdf", "анализы крови.pdf"),
    ("x" * 400 + ".pdf", "x" * 200),
])
def test_hostile_names_are_stored_safely_and_shown_escaped(signed_in_client, user, lipid_pdf,
                                                           hostile, shown):
    assert post(signed_in_client, upload(hostile, lipid_pdf)).status_code == 302
    document = Document.objects.get()
    assert document.filename == shown
    stored = document.file.name.split("/")
    assert stored[:3] == ["uploads", str(user.pk), str(document.pk)] and len(stored) == 4
    assert stored[3].endswith(".pdf") and ".." not in stored[3] and "<" not in stored[3]
    page = signed_in_client.get("/documents/").content.decode()
    assert "<img src=x" not in page


def test_mixed_upload_keeps_good_files_and_names_each_refusal(signed_in_client, lipid_pdf):
    response = post(signed_in_client, upload("good.pdf", lipid_pdf), upload("empty.txt", b""))
    assert response.status_code == 400
    body = response.content.decode()
    assert "empty.txt: The file is empty." in body and "good.pdf was uploaded" in body
    assert list(Document.objects.values_list("filename", flat=True)) == ["good.pdf"]


def test_post_without_files_is_a_clear_400(signed_in_client):
    response = signed_in_client.post("/documents/", {})
    assert response.status_code == 400
    assert "Choose at least one file" in response.content.decode()
