"""Reading the parts of FHIR R4 resources that every mapping needs: codes, names, dates,
quantities and statuses — from the plain dicts of the file, already validated by
`fhir.resources` (interop/fhir_import.py)."""

import datetime
import re
from dataclasses import dataclass

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
CVX = "http://hl7.org/fhir/sid/cvx"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@dataclass(frozen=True)
class Code:
    code: str
    system: str
    display: str


def codings(concept) -> list[Code]:
    if not isinstance(concept, dict):
        return []
    return [Code(str(c.get("code") or ""), str(c.get("system") or ""),
                 str(c.get("display") or ""))
            for c in concept.get("coding") or [] if isinstance(c, dict)]


def first_code(concept, prefer: tuple[str, ...] = ()) -> Code | None:
    found = [c for c in codings(concept) if c.code]
    for system in prefer:
        for code in found:
            if code.system == system:
                return code
    return found[0] if found else None


def loinc(concept) -> str:
    code = next((c for c in codings(concept) if c.system == LOINC and c.code), None)
    return code.code if code else ""


def concept_text(concept) -> str:
    """What a person calls it: the text, else the first coding's display, else its code."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"]).strip()
    for code in codings(concept):
        if code.display:
            return code.display.strip()
    code = first_code(concept)
    return code.code if code else ""


def status_code(concept) -> str:
    code = first_code(concept)
    return code.code if code else ""


def moment(value) -> datetime.datetime | None:
    """A FHIR dateTime/instant as an aware datetime (a date alone: midday UTC)."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) <= 10:  # YYYY, YYYY-MM or YYYY-MM-DD
            parts = [int(part) for part in text.split("-")] + [1, 1]
            return datetime.datetime(parts[0], parts[1], parts[2], 12,
                                     tzinfo=datetime.UTC)
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def day(value) -> datetime.date | None:
    """The calendar day a dateTime names, as written (not moved to another timezone)."""
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    found = moment(value)
    return found.date() if found else None


def when(resource: dict, *names: str) -> str:
    """The first of the resource's date fields that is given: `xDateTime`, `xPeriod.start`,
    `x` itself (an instant)."""
    for name in names:
        if resource.get(f"{name}DateTime"):
            return resource[f"{name}DateTime"]
        period = resource.get(f"{name}Period")
        if isinstance(period, dict) and period.get("start"):
            return period["start"]
        if isinstance(resource.get(name), str):
            return resource[name]
    return ""


def notes(resource: dict) -> str:
    return "\n".join(str(note.get("text")).strip() for note in resource.get("note") or []
                     if isinstance(note, dict) and note.get("text"))


def quantity(value) -> tuple[float | None, str, str]:
    """(number, unit as a person writes it, comparator) of a Quantity."""
    if not isinstance(value, dict) or value.get("value") is None:
        return None, "", ""
    unit = str(value.get("unit") or value.get("code") or "").strip()
    return float(value["value"]), unit, str(value.get("comparator") or "")


def quantity_units(value) -> list[str]:
    """The unit of a Quantity as written and as its code, either may be the one known."""
    if not isinstance(value, dict):
        return []
    return [str(value[key]).strip() for key in ("code", "unit") if value.get(key)] or [""]


def number_text(value: float) -> str:
    return f"{value:g}"
