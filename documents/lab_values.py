"""A document's lab values in the health record (labs.LabValue): normalised from its
facts whenever they are extracted or corrected, and a value's match corrected by the
user (kept in the facts, so a later normalisation keeps it)."""

from labs import records
from labs.models import LabValue

from .models import Document


def normalise_document(document: Document) -> list[LabValue]:
    metadata = document.metadata or {}
    date = document.document_date or document.created.date()
    return records.replace_document_values(
        document, metadata.get("lab_values") or [], date=date,
        source=str(metadata.get("provider") or ""))


def normalise_all(batch: int = 200) -> int:
    """Every document with lab values, from its stored facts: no OCR, no model call.
    Run by the migration that introduced the record and by `manage.py normalise_labs`."""
    done = 0
    documents = (Document.objects.filter(metadata__has_key="lab_values")
                 .select_related("user").order_by("pk"))
    for document in documents.iterator(chunk_size=batch):
        normalise_document(document)
        done += 1
    return done


def correct_match(value: LabValue, code: str) -> None:
    """The user says this value is the analyte `code` (a LOINC code of the catalogue, or
    "" for "none: keep it under its printed name")."""
    document = value.source_document
    if document is None:
        records.rematch(value, code)
        return
    items = list((document.metadata or {}).get("lab_values") or [])
    if value.position >= len(items) or not isinstance(items[value.position], dict):
        records.rematch(value, code)
        return
    items[value.position] = {**items[value.position], "analyte_code": code or "-"}
    document.metadata = {**(document.metadata or {}), "lab_values": items}
    document.save(update_fields=["metadata", "updated"])
    normalise_document(document)
