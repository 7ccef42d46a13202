"""A share link for a doctor: made by the owner with their choices, opened without an
account, behind a passcode whose guesses are limited; only the chosen parts and documents;
every opening logged for the owner; expiry and revocation; the token kept only hashed and
never logged; the PDF read back with PyMuPDF."""

import datetime
import hashlib
import io
import logging
import re

import pymupdf
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from documents.lab_values import normalise_document
from documents.models import Document
from memory.models import Allergy, Condition, Medication, MemoryEntry, Vital
from sharing import guesses
from sharing.models import ShareLink, ShareOpening

pytestmark = pytest.mark.django_db

PASSCODE = "tulip-4821"


def _document(user, name, text="Ferritin 11 ng/mL (15-150)", **fields):
    document = Document(user=user, filename=name, mime_type="text/plain",
                        file_size=len(text), sha256=hashlib.sha256(name.encode()).hexdigest(),
                        status=Document.Status.COMPLETED, extracted_text=text, **fields)
    document.file.save(name, ContentFile(text.encode()), save=False)
    document.save()
    return document


@pytest.fixture
def record(user, other_user):
    Medication.objects.create(user=user, name="Levothyroxine", strength="50 mcg",
                              dose="1 tablet", times=["07:00"])
    Medication.objects.create(user=user, name="Old antibiotic", is_active=False)
    Allergy.objects.create(user=user, substance="Penicillin", reaction="hives",
                           severity=Allergy.Severity.MODERATE)
    Condition.objects.create(user=user, name="Hypothyroidism", onset=datetime.date(2019, 3, 1))
    MemoryEntry.objects.create(user=user, category="allergy", title="Latex gloves")
    Vital.objects.create(user=user, kind=Vital.Kind.HEART_RATE, value=64, unit="bpm",
                         measured_at=timezone.now() - datetime.timedelta(days=1))
    lab = _document(user, "ferritin-autumn.txt", document_date=datetime.date(2026, 10, 1),
                    doc_type="lab_result", metadata={"provider": "City Lab", "lab_values": [
                        {"analyte": "Ferritin", "value": "11", "unit": "ng/mL",
                         "reference_range": "15-150"}]})
    normalise_document(lab)
    private = _document(user, "psychiatry-letter.txt", "Private letter")
    Medication.objects.create(user=other_user, name="Bob's warfarin")
    return {"lab": lab, "private": private}


def _create(client, **choices):
    data = {"summary": "on", "medications": "on", "duration": "24", "label": "Dr. Ivanova",
            **choices}
    response = client.post("/share/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.content.decode()
    address = re.search(r'id="share-url"[^>]*value="([^"]+)"', page)
    assert address, page
    return response, address.group(1).replace("http://testserver", "")


def _token(address):
    return address.split("/")[2]


def test_a_link_with_a_passcode_shows_only_what_was_chosen(signed_in_client, user, record):
    response, address = _create(signed_in_client, documents=[str(record["lab"].pk)],
                                passcode=PASSCODE)
    page = response.content.decode()
    assert "<svg" in page and 'data-testid="share-qr"' in page  # the QR code, drawn inline
    assert re.fullmatch(r"/s/[A-Za-z0-9_-]{43}/", address)
    link = ShareLink.objects.get(user=user)
    # Only the hashes are stored: neither the token nor the passcode is in the row.
    assert link.token_hash == hashlib.sha256(_token(address).encode()).hexdigest()
    assert _token(address) not in str(vars(link)) and PASSCODE not in link.passcode_hash
    assert link.passcode_hash.startswith("md5$")  # Django's hasher (MD5 in tests only)

    doctor = Client()
    asks = doctor.get(address)
    assert asks.status_code == 200 and 'name="passcode"' in asks.content.decode()
    assert "Levothyroxine" not in asks.content.decode()
    assert doctor.get(address + "pdf/").status_code == 302  # nothing before the passcode
    wrong = doctor.post(address, {"passcode": "tulip-0000"})
    assert wrong.status_code == 403 and "not the passcode" in wrong.content.decode()
    opened = doctor.post(address, {"passcode": PASSCODE}, follow=True)
    shown = opened.content.decode()
    assert opened.status_code == 200
    assert "Levothyroxine" in shown and "50 mcg" in shown
    assert "Old antibiotic" not in shown and "Bob&#x27;s warfarin" not in shown
    assert "Heart rate" in shown  # the summary: latest vitals
    assert "Alice Example" in shown
    # Not chosen: allergies, conditions and lab values are not on the page.
    assert "Penicillin" not in shown and "Hypothyroidism" not in shown
    assert "Latex gloves" not in shown and 'data-testid="shared-labs"' not in shown
    # The chosen document is listed and opens through the link; the other one does not.
    assert "ferritin-autumn.txt" in shown and "psychiatry-letter.txt" not in shown
    got = doctor.get(f"{address}documents/{record['lab'].pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"Ferritin")
    refused = doctor.get(f"{address}documents/{record['private'].pk}/")
    assert refused.status_code == 404 and b"Private letter" not in refused.content
    for headers in (asks, opened, got, refused):
        assert headers["Referrer-Policy"] == "same-origin"
        assert "no-store" in headers["Cache-Control"]
        assert headers["X-Robots-Tag"].startswith("noindex")
    # No resource from elsewhere: every src and href of the page is on this site.
    for url in re.findall(r'(?:src|href)="([^"]+)"', shown):
        assert url.startswith(("/", "?")), url


def test_the_whole_choice_shows_allergies_conditions_and_lab_values_with_source(
        signed_in_client, record):
    _response, address = _create(signed_in_client, conditions="on", labs="on",
                                 documents=[str(record["lab"].pk)])
    shown = Client().get(address, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Penicillin" in shown and "hives" in shown and "Latex gloves" in shown
    assert "Hypothyroidism" in shown
    labs = shown[shown.index('data-testid="shared-labs"'):]
    assert "Ferritin" in labs and "11" in labs and "15–150" in labs
    assert "ferritin-autumn.txt" in labs  # each value with its source (a link: it is shared)
    assert f"documents/{record['lab'].pk}/" in labs


def test_a_wrong_passcode_many_times_is_refused_even_when_right_at_last(
        signed_in_client, record):
    _response, address = _create(signed_in_client, passcode=PASSCODE)
    doctor = Client()
    for _ in range(guesses.PER_LINK):
        assert doctor.post(address, {"passcode": "guess-guess"}).status_code == 403
    assert doctor.post(address, {"passcode": "guess-guess"}).status_code == 429
    # Locked for everyone for the window: the right passcode does not open it now.
    late = Client().post(address, {"passcode": PASSCODE}, REMOTE_ADDR="198.51.100.9")
    assert late.status_code == 429 and "Levothyroxine" not in late.content.decode()


def test_a_passcode_posted_from_another_site_is_refused(signed_in_client, record):
    _response, address = _create(signed_in_client, passcode=PASSCODE)
    # A form on another site carries no CSRF token of this one.
    forged = Client(enforce_csrf_checks=True).post(
        address, {"passcode": PASSCODE}, HTTP_ORIGIN="https://evil.example")
    assert forged.status_code == 403 and not forged.cookies
    # The page's own form: its token, its origin (Referrer-Policy: same-origin keeps it).
    own = Client(enforce_csrf_checks=True)
    page = own.get(address)
    token = page.cookies["csrftoken"].value
    opened = own.post(address, {"passcode": PASSCODE, "csrfmiddlewaretoken": token})
    assert opened.status_code == 302 and opened.cookies


def test_one_address_guessing_over_many_links_is_refused(signed_in_client, record):
    addresses = [_create(signed_in_client, passcode=PASSCODE)[1] for _ in range(5)]
    doctor = Client()
    tries = 0
    for address in addresses:
        for _ in range(guesses.PER_LINK - 1):  # under each link's own limit
            if tries < guesses.PER_ADDRESS:
                assert doctor.post(address, {"passcode": "guess-guess"}).status_code == 403
                tries += 1
    assert tries == guesses.PER_ADDRESS
    assert doctor.post(addresses[-1], {"passcode": PASSCODE}).status_code == 429
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="203.0.113.5")
    assert other.post(addresses[-1], {"passcode": PASSCODE}).status_code == 302


def test_openings_are_logged_and_listed_to_the_owner_only(signed_in_client, other_user,
                                                          record):
    _response, address = _create(signed_in_client, documents=[str(record["lab"].pk)])
    doctor = Client(HTTP_USER_AGENT="DoctorBrowser/1.0", REMOTE_ADDR="192.0.2.44")
    doctor.get(address)
    doctor.get(f"{address}documents/{record['lab'].pk}/")
    openings = list(ShareOpening.objects.order_by("created"))
    assert [(o.kind, o.ip, o.user_agent) for o in openings] == [
        ("page", "192.0.2.44", "DoctorBrowser/1.0"),
        ("document", "192.0.2.44", "DoctorBrowser/1.0")]
    listed = signed_in_client.get("/share/").content.decode()
    assert "192.0.2.44" in listed and "DoctorBrowser/1.0" in listed
    assert "Opened 2 times" in listed and "ferritin-autumn.txt" in listed
    stranger = Client()
    stranger.force_login(other_user)
    theirs = stranger.get("/share/").content.decode()
    assert "192.0.2.44" not in theirs and "Dr. Ivanova" not in theirs
    link = ShareLink.objects.get()
    assert stranger.post(f"/share/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked is None and doctor.get(address).status_code == 200


def test_revoked_is_gone_unknown_is_not_found_expired_is_gone(signed_in_client, record):
    _response, address = _create(signed_in_client)
    link = ShareLink.objects.get()
    doctor = Client()
    assert doctor.get(address).status_code == 200
    assert doctor.get("/s/" + "x" * 43 + "/").status_code == 404
    # Expiry: the link's end moved into the past, as if the time had passed.
    ShareLink.objects.filter(pk=link.pk).update(
        expires=timezone.now() - datetime.timedelta(seconds=1))
    expired = doctor.get(address)
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert "Levothyroxine" not in expired.content.decode()
    ShareLink.objects.filter(pk=link.pk).update(
        expires=timezone.now() + datetime.timedelta(hours=1))
    assert doctor.get(address).status_code == 200
    revoked = signed_in_client.post(f"/share/{link.pk}/revoke/", follow=True)
    assert revoked.status_code == 200 and "Revoked" in revoked.content.decode()
    for url in (address, address + "pdf/", f"{address}documents/{record['lab'].pk}/"):
        gone = doctor.get(url)
        assert gone.status_code == 410, url
        assert gone["Referrer-Policy"] == "same-origin"


def test_a_link_lasts_one_hour_to_thirty_days(signed_in_client, user):
    for hours, expected in (("1", datetime.timedelta(hours=1)),
                            ("720", datetime.timedelta(days=30))):
        before = timezone.now()
        _create(signed_in_client, duration=hours)
        link = ShareLink.objects.for_user(user).first()
        assert before + expected <= link.expires <= timezone.now() + expected
    assert signed_in_client.post("/share/", {"summary": "on", "duration": "2000"}
                                 ).status_code == 400
    nothing = signed_in_client.post("/share/", {"duration": "24"})
    assert nothing.status_code == 400 and "Choose at least one" in nothing.content.decode()
    short = signed_in_client.post("/share/", {"summary": "on", "duration": "24",
                                              "passcode": "1234"})
    assert short.status_code == 400 and ShareLink.objects.count() == 2


def test_a_document_of_another_user_cannot_be_chosen(signed_in_client, other_user, record):
    theirs = _document(other_user, "bob-scan.txt", "Bob's scan")
    response = signed_in_client.post("/share/", {"summary": "on", "duration": "24",
                                                 "documents": [str(theirs.pk)]})
    assert response.status_code == 400 and ShareLink.objects.count() == 0


def test_the_pdf_is_a_real_pdf_with_the_chosen_data_in_the_asked_language(
        signed_in_client, record):
    _response, address = _create(signed_in_client, conditions="on", labs="on")
    response = Client().get(address + "pdf/?lang=ru")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "\n".join(page.get_text() for page in pymupdf.open(stream=response.content,
                                                              filetype="pdf"))
    assert "Levothyroxine" in text and "Penicillin" in text and "Hypothyroidism" in text
    assert "Аллергии" in text  # in Russian, as asked
    assert "Ферритин" in text or "Ferritin" in text
    assert "psychiatry-letter.txt" not in text and "Old antibiotic" not in text
    assert ShareOpening.objects.filter(kind="pdf").count() == 1


def test_the_page_follows_the_visitors_language_then_the_owners(signed_in_client, user,
                                                               record):
    user.language = "ru"
    user.save()
    _response, address = _create(signed_in_client, conditions="on")
    english = Client().get(address, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert "Allergies" in english.content.decode()
    owners = Client().get(address, HTTP_ACCEPT_LANGUAGE="de-DE")
    assert "Аллергии" in owners.content.decode()
    switched = Client().get(address + "?lang=ru", HTTP_ACCEPT_LANGUAGE="en")
    assert "Аллергии" in switched.content.decode()
    assert 'lang="ru"' in switched.content.decode()


def test_live_data_at_opening_time(signed_in_client, user, record):
    _response, address = _create(signed_in_client)
    Medication.objects.create(user=user, name="Vitamin D3", times=["09:00"])
    assert "Vitamin D3" in Client().get(address).content.decode()


@pytest.fixture
def everything_logged():
    """The console handler of the settings' LOGGING writes here; every logger at DEBUG."""
    root = logging.getLogger()
    [handler] = [h for h in root.handlers
                 if any(type(f).__name__ == "RedactSecrets" for f in h.filters)]
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    names = ["", "django", "django.request", "django.server", "django.channels.server",
             "daphne"]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    handler.setStream(old_stream)


def test_the_token_is_in_no_log_line(signed_in_client, record, everything_logged):
    _response, address = _create(signed_in_client, passcode=PASSCODE)
    token = _token(address)
    doctor = Client()
    for _ in range(guesses.PER_LINK + 1):
        doctor.post(address, {"passcode": "guess-guess"})  # 403s, then a 429
    doctor.get(f"{address}documents/{record['private'].pk}/")
    doctor.get(f"{address}documents/not-an-id/")  # the URL resolver's 404
    doctor.get(address.replace(token, token[:-1] + "Q"))
    # The line daphne's runserver writes for each request (django.channels.server).
    logging.getLogger("django.channels.server").warning(
        '"%s %s" %s %s', "GET", address, 410, 512)
    ShareLink.objects.update(revoked=timezone.now())
    doctor.get(address)
    logged = everything_logged.getvalue()
    assert "Forbidden: /s/[redacted]/" in logged  # the lines are there, masked
    assert "Gone: /s/[redacted]/" in logged and "Too Many Requests" in logged
    assert token not in logged and token[:-1] not in logged
