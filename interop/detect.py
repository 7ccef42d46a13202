"""What kind of file an upload is, by its content (never its name): a FHIR JSON file, an
Apple Health export (the zip, or its export.xml), a C-CDA document, or none of these."""

import re
import zipfile
from xml.etree.ElementTree import ParseError, XMLPullParser

from .models import RecordImport

Kind = RecordImport.Kind
HEAD = 1024 * 1024
RESOURCE_TYPE = re.compile(rb'"resourceType"\s*:\s*"[A-Za-z]+"')
CDA = "{urn:hl7-org:v3}ClinicalDocument"


def detect(file) -> str:
    """The RecordImport.Kind of a binary file object (read from its start; left at 0)."""
    file.seek(0)
    head = file.read(HEAD)
    file.seek(0)
    try:
        if head.startswith(b"PK\x03\x04"):
            return _zip_kind(file)
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if stripped[:1] in (b"{", b"[") and RESOURCE_TYPE.search(head):
            return Kind.FHIR
        if stripped[:1] == b"<":
            return _xml_kind(head)
        return Kind.UNKNOWN
    finally:
        file.seek(0)


def _zip_kind(file) -> str:
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return Kind.UNKNOWN
    if any(name == "export.xml" or name.endswith("/export.xml") for name in names):
        return Kind.APPLE_HEALTH
    return Kind.UNKNOWN


def _xml_kind(head: bytes) -> str:
    """The root element, read from the head of the file only (a large export is not
    parsed here)."""
    parser = XMLPullParser(events=("start",))
    try:
        parser.feed(head)
        for _event, element in parser.read_events():
            if element.tag == CDA:
                return Kind.CCDA
            if element.tag == "HealthData":
                return Kind.APPLE_HEALTH
            return Kind.UNKNOWN
    except ParseError:
        return Kind.UNKNOWN
    return Kind.UNKNOWN
