"""Structured extraction by the model, and the document's summary in the memory.

The model is made to answer through one forced tool (`record_document`) whose JSON
schema is the shape we store in `Document.metadata` (a model without tools answers the
same object as JSON in text, see chats.llm.ask_for_tool); its answer is cleaned before
use. Scans and photos go with their page images. When this runs and what its state is
live in facts_state.py.
"""

import datetime
import re

from django.utils.translation import gettext as _

from chats import llm
from memory.models import Medication, MemoryEntry

from . import actions as document_actions
from . import follow_ups, page_images
from .lab_values import normalise_document
from .models import Document

MAX_TEXT_CHARS = 60_000
FLAGS = ["low", "high", "normal", "abnormal"]

RECORD_TOOL = {
    "name": "record_document",
    "description": "Record the structured facts found in one health document.",
    "input_schema": {
        "type": "object",
        "properties": {
            "doc_type": {"type": "string", "enum": list(Document.DocType.values)},
            "document_date": {"type": ["string", "null"], "description": "YYYY-MM-DD"},
            "provider": {"type": ["string", "null"], "description": "Clinic, lab or doctor."},
            "summary": {
                "type": "string",
                "description": "Two or three sentences, in the document's language.",
            },
            "findings": {"type": "array", "items": {"type": "string"}},
            "lab_values": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "analyte": {"type": "string"},
                        "value": {"type": ["number", "string"]},
                        "unit": {"type": ["string", "null"]},
                        "reference_range": {"type": ["string", "null"]},
                        "flag": {"type": ["string", "null"], "enum": [*FLAGS, None]},
                        "page": {"type": ["integer", "null"],
                                 "description": "The page it is printed on, from 1."},
                    },
                    "required": ["analyte", "value"],
                },
            },
            "medications": {
                "type": "array",
                "description": "Only for a prescription: each medication it prescribes.",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "strength": {"type": ["string", "null"], "description": "e.g. 500 mg"},
                        "form": {"type": ["string", "null"],
                                 "enum": [*Medication.Form.values, None]},
                        "dose": {"type": ["string", "null"],
                                 "description": "How much at a time, e.g. 1 tablet"},
                        "times": {"type": "array", "items": {"type": "string"},
                                  "description": "24-hour HH:MM times of day, if written"},
                        "every_hours": {"type": ["integer", "null"]},
                        "frequency": {"type": ["string", "null"],
                                      "description": "As written, e.g. twice daily"},
                        "instructions": {"type": ["string", "null"],
                                         "description": "e.g. after meals, for 10 days"},
                    },
                    "required": ["name"],
                },
            },
            "follow_ups": follow_ups.SCHEMA,
        },
        "required": ["doc_type", "summary", "findings", "lab_values"],
    },
}

SYSTEM = (
    "You read one health document (lab results, a consultation letter, a prescription, "
    "an imaging report…) as extracted by OCR, and record its facts with the "
    "record_document tool. Copy analyte names, values and units as written; give the "
    "reference range as written (e.g. '3.5-5.0' or '< 5.2'); flag values outside it. "
    "For a prescription, list each prescribed medication with its strength, form, dose, "
    "times or frequency and instructions as written. "
    "List each follow-up the document asks for (a repeat test, a check-up, a next visit) "
    "with when it should happen as written and its interval as a number and unit (or the "
    "date, only when one is printed); never compute dates yourself. "
    "Never invent values that are not in the text. Images of the pages may come with the "
    "text: read the values from them where the OCR text is garbled."
)


def is_available() -> bool:
    return llm.is_configured()


def extract_facts(document: Document, images: list[bytes] = ()) -> dict:
    """Asks the model for the document's facts and stores them in `metadata`; `images` are
    JPEGs of its scanned pages (see page_images.py), sent before the text."""
    text = (f"File name: {document.filename}\n\n<document>\n"
            f"{document.extracted_text[:MAX_TEXT_CHARS]}\n</document>")
    content = text
    if images:
        content = [*page_images.image_blocks(images), {"type": "text", "text": text}]
    try:
        answer = llm.ask_for_tool(document.user, "document", RECORD_TOOL, system=SYSTEM,
                                  max_tokens=4096, content=content)
    except llm.NoToolAnswer as error:
        raise ValueError(_("The model did not return the document's facts.")) from error
    metadata = clean(answer)
    document.doc_type = metadata["doc_type"]
    document.document_date = parse_date(metadata.get("document_date"))
    metadata["follow_ups"] = follow_ups.dated(document, metadata["follow_ups"])
    document.metadata = metadata
    document.save(update_fields=["metadata", "doc_type", "document_date", "updated"])
    normalise_document(document)
    document_actions.record_facts(document)
    if document.doc_type == Document.DocType.PRESCRIPTION:
        document_actions.propose_medications(document, metadata.get("medications") or [])
    follow_ups.propose(document, metadata["follow_ups"])
    return metadata


def clean(answer: dict) -> dict:
    doc_type = answer.get("doc_type")
    lab_values = []
    for item in answer.get("lab_values") or []:
        if not isinstance(item, dict) or not str(item.get("analyte") or "").strip():
            continue
        flag, page = item.get("flag"), item.get("page")
        row = {
            "analyte": str(item["analyte"]).strip()[:120],
            "value": value if isinstance(value := item.get("value"), (int, float))
            else str(value or "")[:60],
            "unit": str(item.get("unit") or "").strip()[:40],
            "reference_range": str(item.get("reference_range") or "").strip()[:60],
            "flag": flag if flag in FLAGS else "",
        }
        if isinstance(page, int) and not isinstance(page, bool) and 0 < page < 10_000:
            row["page"] = page  # where it is printed, when the model says
        if item.get("analyte_code"):
            # The user's own match (labs: a LOINC code, "-" for none), kept across edits.
            row["analyte_code"] = str(item["analyte_code"])[:20]
        lab_values.append(row)
    date = parse_date(answer.get("document_date"))
    return {
        "doc_type": doc_type if doc_type in Document.DocType.values else Document.DocType.OTHER,
        "document_date": date.isoformat() if date else None,
        "provider": str(answer.get("provider") or "").strip()[:200],
        "summary": str(answer.get("summary") or "").strip()[:4000],
        "findings": [
            str(item).strip()[:500] for item in answer.get("findings") or [] if str(item).strip()
        ][:50],
        "lab_values": lab_values[:300],
        "medications": [
            medication for item in answer.get("medications") or []
            if (medication := clean_medication(item))
        ][:30],
        "follow_ups": follow_ups.clean(answer.get("follow_ups")),
    }


def _text(value, limit: int) -> str:
    return str(value or "").strip()[:limit] if not isinstance(value, (dict, list)) else ""


def clean_medication(item) -> dict | None:
    """One prescribed medication as the model gave it, trimmed to plain values."""
    if not isinstance(item, dict) or not _text(item.get("name"), 200):
        return None
    times = item.get("times") if isinstance(item.get("times"), list) else []
    every = item.get("every_hours")
    return {
        "name": _text(item["name"], 200), "strength": _text(item.get("strength"), 100),
        "form": item.get("form") if item.get("form") in Medication.Form.values else "",
        "dose": _text(item.get("dose"), 100),
        "times": [_text(time, 8) for time in times[:12] if _text(time, 8)],
        "every_hours": every if isinstance(every, int) and not isinstance(every, bool)
        and 1 <= every <= 24 else None,
        "frequency": _text(item.get("frequency"), 200),
        "instructions": _text(item.get("instructions"), 1000),
    }


def parse_date(value) -> datetime.date | None:
    if not value:
        return None
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", str(value))
    if not match:
        return None
    try:
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        return None


def summarise(document: Document) -> MemoryEntry:
    """The document's `document_summary` memory entry, created once and kept current."""
    metadata = document.metadata or {}
    lines = [metadata.get("summary") or ""]
    if metadata.get("findings"):
        lines.append("\n".join(f"- {finding}" for finding in metadata["findings"]))
    title = document.get_doc_type_display()
    if metadata.get("provider"):
        title = f"{title}: {metadata['provider']}"
    if document.document_date:
        title = f"{title} ({document.document_date.isoformat()})"
    entry, _created = MemoryEntry.objects.update_or_create(
        user=document.user,
        source_document=document,
        category=MemoryEntry.Category.DOCUMENT_SUMMARY,
        defaults={
            "title": f"{title} — {document.filename}"[:200],
            "content": "\n\n".join(line for line in lines if line).strip(),
            "importance": MemoryEntry.Importance.MEDIUM,
        },
    )
    return entry
