"""One FHIR R4 resource → the row of the health record it becomes (unsaved), or a `Skip`
with the reason. Used by interop/fhir_import.py, which validates, keys and saves.

Where each kind goes:
- Observation with a vital-sign LOINC code → memory.Vital, in its canonical unit;
  systolic and diastolic given as two Observations are paired by their time.
- Any other Observation → labs.LabValue, normalised through the analyte catalogue (its
  LOINC code when the catalogue knows it, else its name), like a document's values.
- MedicationStatement / MedicationRequest → memory.Medication. Stopped or finished ones are
  inactive; an active one keeps its timing (times, every N hours) but is imported as taken
  "as needed", so that an import never starts reminders nor counts missed doses the user
  did not ask for: they choose its schedule on the medication's page.
- Condition, AllergyIntolerance, Immunization → memory.Condition / Allergy / Immunization.
- DiagnosticReport → a memory entry (document summary) with its conclusion and the names of
  its results: the results themselves are Observations of the same file and become lab
  values on their own; the report adds what only it has — its name, date and conclusion —
  where the assistant finds it when a message is about it.
"""

import re
from dataclasses import dataclass

from labs.catalogue import Catalogue
from labs.models import LabValue
from labs.normalise import normalise
from memory import vitals
from memory.models import Allergy, Condition, Immunization, Medication, MemoryEntry, Vital

from . import fhir_values as fv

Kind = Vital.Kind


@dataclass
class Skip:
    reason: str


@dataclass
class HalfPressure:
    """One half of a blood pressure given as its own Observation."""

    moment: object
    systolic: float | None
    diastolic: float | None


# LOINC → (vital kind, note)
VITAL_CODES = {
    "29463-7": (Kind.WEIGHT, ""), "3141-9": (Kind.WEIGHT, ""),
    "8302-2": (Kind.HEIGHT, ""), "8306-3": (Kind.HEIGHT, ""),
    "8867-4": (Kind.HEART_RATE, ""), "40443-4": (Kind.HEART_RATE, "resting"),
    "2339-0": (Kind.BLOOD_GLUCOSE, ""), "15074-8": (Kind.BLOOD_GLUCOSE, ""),
    "2345-7": (Kind.BLOOD_GLUCOSE, ""), "41653-7": (Kind.BLOOD_GLUCOSE, ""),
    "59408-5": (Kind.SPO2, ""), "2708-6": (Kind.SPO2, ""),
    "8310-5": (Kind.TEMPERATURE, ""), "8331-1": (Kind.TEMPERATURE, ""),
}
PRESSURE_PANELS = {"85354-9", "55284-4", "35094-2"}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
# Measurements of activity and sleep that are not lab values and not kept as vitals.
NOT_KEPT = {"55423-8", "41950-7", "93832-4", "93830-8", "93831-6", "41979-6", "55411-3",
            "9052-2", "41981-2", "8287-5", "39156-5", "80404-7"}
UNIT_ALIASES = {
    "kg": "kg", "kilogram": "kg", "g": "g", "[lb_av]": "lb", "lb": "lb", "lbs": "lb",
    "cm": "cm", "m": "m", "mm": "mm", "[in_i]": "in", "in": "in", "[ft_i]": "ft",
    "/min": "bpm", "bpm": "bpm", "{beats}/min": "bpm", "beats/min": "bpm", "count/min": "bpm",
    "mg/dl": "mg/dL", "mmol/l": "mmol/L",
    "%": "%", "1": "fraction", "{ratio}": "fraction", "": "",
    "cel": "°C", "°c": "°C", "c": "°C", "degc": "°C", "[degf]": "°F", "°f": "°F", "f": "°F",
    "degf": "°F", "mm[hg]": "mmHg", "mmhg": "mmHg",
}
LENGTH_CM = {"cm": 1, "m": 100, "mm": 0.1, "in": 2.54, "ft": 30.48}
STRENGTH = re.compile(r"^(?P<name>.+?)\s+(?P<strength>\d[\d.,]*\s?(?:mg|mcg|µg|ug|g|ml|mL|IU|"
                      r"units?|%|мг|мкг|мл|МЕ)(?:/\s?\w+)?)$", re.IGNORECASE)
EVERY_HOURS = {"h": 1, "d": 24}


def _unit(text: str) -> str:
    return UNIT_ALIASES.get(text.strip().lower(), text.strip())


def vital_value(kind: str, value: float, unit: str) -> float | None:
    """The value in the kind's canonical unit; None when the unit is not one it takes."""
    unit = _unit(unit)
    if kind == Kind.WEIGHT:
        return {"kg": value, "g": value / 1000, "lb": value * vitals.POUND}.get(unit)
    if kind == Kind.HEIGHT:
        return value * LENGTH_CM[unit] if unit in LENGTH_CM else None
    if kind == Kind.HEART_RATE:
        return value if unit in ("bpm", "") else None
    if kind == Kind.BLOOD_GLUCOSE:
        if unit == "mmol/L":
            return value
        return value / vitals.GLUCOSE_FACTOR if unit == "mg/dL" else None
    if kind == Kind.SPO2:
        if unit == "fraction" or (unit == "" and value <= 1):
            return value * 100
        return value if unit in ("%", "") else None
    if kind == Kind.TEMPERATURE:
        if unit == "°C":
            return value
        return (value - 32) * 5 / 9 if unit == "°F" else None
    if kind == Kind.BLOOD_PRESSURE:
        return value if unit in ("mmHg", "") else None
    return None


def _plausible(kind: str, value: float) -> bool:
    low, high = vitals.RANGES[kind]
    return low <= value <= high


def _in_canonical(kind: str, quantity) -> float | None:
    number, _unit, _comparator = fv.quantity(quantity)
    if number is None:
        return None
    for unit in fv.quantity_units(quantity):
        value = vital_value(kind, number, unit)
        if value is not None:
            return value
    return None


def _component(resource: dict, code: str) -> float | None:
    for part in resource.get("component") or []:
        if fv.loinc(part.get("code")) == code:
            return _in_canonical(Kind.BLOOD_PRESSURE, part.get("valueQuantity"))
    return None


def observation(resource: dict, user, known: Catalogue, label: str):
    status = resource.get("status")
    if status in ("entered-in-error", "cancelled", "registered"):
        return Skip(f"status {status}")
    code = fv.loinc(resource.get("code"))
    measured = fv.moment(fv.when(resource, "effective") or resource.get("issued"))
    if measured is None:
        return Skip("no date")
    if code in NOT_KEPT:
        return Skip(f"activity or sleep ({code}): not kept")
    if code in PRESSURE_PANELS:
        systolic, diastolic = _component(resource, SYSTOLIC), _component(resource, DIASTOLIC)
        return _pressure(user, measured, systolic, diastolic, fv.notes(resource))
    if code in (SYSTOLIC, DIASTOLIC):
        value = _in_canonical(Kind.BLOOD_PRESSURE, resource.get("valueQuantity"))
        if value is None:
            return Skip("blood pressure without a value in mmHg")
        return HalfPressure(measured, value if code == SYSTOLIC else None,
                            value if code == DIASTOLIC else None)
    if code in VITAL_CODES:
        kind, note = VITAL_CODES[code]
        number, unit, _comparator = fv.quantity(resource.get("valueQuantity"))
        if number is None:
            return Skip(f"{Kind(kind).label}: no value")
        value = _in_canonical(kind, resource.get("valueQuantity"))
        if value is None:
            return Skip(f"{Kind(kind).label}: unit {unit!r} not understood")
        if not _plausible(kind, value):
            return Skip(f"{Kind(kind).label}: {number:g} {unit} is not plausible")
        note = "; ".join(part for part in (note, fv.notes(resource)) if part)
        return Vital(user=user, kind=kind, value=round(value, 3), unit=vitals.CANONICAL[kind],
                     measured_at=measured, note=note[:300])
    return _lab_value(resource, code, fv.day(fv.when(resource, "effective")
                                             or resource.get("issued")), user, known, label)


def pair_pressure(user, halves: list[HalfPressure], note: str = ""):
    """A systolic and a diastolic Observation of the same moment, as one reading."""
    systolic = next((half.systolic for half in halves if half.systolic is not None), None)
    diastolic = next((half.diastolic for half in halves if half.diastolic is not None), None)
    return _pressure(user, halves[0].moment, systolic, diastolic, note)


def _pressure(user, measured, systolic, diastolic, note):
    if systolic is None or diastolic is None:
        return Skip("blood pressure without both systolic and diastolic")
    if vitals.range_error(Kind.BLOOD_PRESSURE, systolic, diastolic, "mmHg"):
        return Skip(f"blood pressure {systolic:g}/{diastolic:g} is not plausible")
    return Vital(user=user, kind=Kind.BLOOD_PRESSURE, value=systolic, value2=diastolic,
                 unit="mmHg", measured_at=measured, note=note[:300])


INTERPRETATION = {"H": "high", "HH": "high", "HU": "high", "L": "low", "LL": "low",
                  "LU": "low", "A": "abnormal", "AA": "abnormal", "N": "normal"}


def _reference_range(resource: dict) -> str:
    for item in resource.get("referenceRange") or []:
        if item.get("text"):
            return str(item["text"])
        low, _u, _c = fv.quantity(item.get("low"))
        high, _u, _c = fv.quantity(item.get("high"))
        if low is not None and high is not None:
            return f"{low:g}-{high:g}"
        if high is not None:
            return f"<{high:g}"
        if low is not None:
            return f">{low:g}"
    return ""


def _lab_value(resource, code, date, user, known: Catalogue, label: str):
    if date is None:
        return Skip("no date")
    name = fv.concept_text(resource.get("code"))
    if not name:
        return Skip("no name for the result")
    unit = ""
    if "valueQuantity" in resource:
        number, unit, comparator = fv.quantity(resource["valueQuantity"])
        if number is None:
            return Skip(f"{name}: no value")
        value = f"{comparator}{number:g}" if comparator else number
    elif resource.get("valueString"):
        value = str(resource["valueString"])
    elif resource.get("valueCodeableConcept"):
        value = fv.concept_text(resource["valueCodeableConcept"])
    elif resource.get("valueInteger") is not None:
        value = float(resource["valueInteger"])
    elif resource.get("valueBoolean") is not None:
        value = "positive" if resource["valueBoolean"] else "negative"
    else:
        return Skip(f"{name}: no value")
    flag = ""
    for concept in resource.get("interpretation") or []:
        flag = INTERPRETATION.get(fv.status_code(concept), "") or flag
    item = {"analyte": name, "value": value, "unit": unit,
            "reference_range": _reference_range(resource), "flag": flag}
    one = normalise(item, known, analyte_code=code if code in known.by_code else "")
    return LabValue(
        user=user, analyte_id=one.analyte.id if one.analyte else None,
        series_key=one.series_key, name=one.name, printed_value=one.printed_value,
        printed_unit=one.printed_unit, reference_range=one.reference_range,
        value=one.value, unit=one.unit, qualifier=one.qualifier, text=one.text,
        low=one.low, high=one.high, flag=one.flag, out_of_range=one.out_of_range,
        date=date, source=label[:200])


# --- Medications ---------------------------------------------------------------------------

STATEMENT_ACTIVE = {"active", "intended", "unknown"}
REQUEST_ACTIVE = {"active"}


def medication_name(resource: dict, medications: dict[str, dict]) -> str:
    if resource.get("medicationCodeableConcept"):
        return fv.concept_text(resource["medicationCodeableConcept"])
    reference = resource.get("medicationReference") or {}
    target = str(reference.get("reference") or "")
    found = medications.get(target) or medications.get(target.split("/")[-1])
    if target.startswith("#"):
        found = next((item for item in resource.get("contained") or []
                      if item.get("id") == target[1:]), None)
    if found:
        return fv.concept_text(found.get("code"))
    return str(reference.get("display") or "")


def waits_for_medication(resource: dict, medications: dict[str, dict]) -> bool:
    """Whether it names a Medication resource not read yet (it may come later in the file)."""
    reference = resource.get("medicationReference") or {}
    target = str(reference.get("reference") or "")
    return bool(target) and not target.startswith("#") and not reference.get("display") \
        and target not in medications and target.split("/")[-1] not in medications


def _times(repeat: dict) -> list[str]:
    found = []
    for value in repeat.get("timeOfDay") or []:
        match = re.match(r"^(\d{2}):(\d{2})", str(value))
        if match:
            found.append(f"{match.group(1)}:{match.group(2)}")
    return sorted(set(found))[:12]


def medication(resource: dict, user, medications: dict[str, dict]):
    kind = resource["resourceType"]
    status = resource.get("status") or ""
    if status in ("entered-in-error", "not-taken", "draft"):
        return Skip(f"status {status}")
    name = medication_name(resource, medications)
    if not name:
        return Skip("no medication name")
    active = status in (STATEMENT_ACTIVE if kind == "MedicationStatement" else REQUEST_ACTIVE)
    dosage = (resource.get("dosage") or resource.get("dosageInstruction") or [{}])[0] or {}
    repeat = (dosage.get("timing") or {}).get("repeat") or {}
    times, every = _times(repeat), None
    if repeat.get("frequency") == 1 and repeat.get("periodUnit") in EVERY_HOURS \
            and repeat.get("period"):
        hours = float(repeat["period"]) * EVERY_HOURS[repeat["periodUnit"]]
        every = int(hours) if hours == int(hours) and 1 <= hours <= 24 else None
    as_needed = bool(dosage.get("asNeededBoolean") or dosage.get("asNeededCodeableConcept"))
    if as_needed or active or not (times or every):
        schedule = Medication.Schedule.AS_NEEDED  # active: no reminders until the user asks
    elif every and every < 24:
        schedule = Medication.Schedule.INTERVAL
    else:
        schedule = Medication.Schedule.TIMES
    if schedule == Medication.Schedule.TIMES and not times:
        schedule = Medication.Schedule.AS_NEEDED
    dose = ""
    for rate in dosage.get("doseAndRate") or []:
        number, unit, _comparator = fv.quantity(rate.get("doseQuantity"))
        if number is not None:
            dose = f"{number:g} {unit}".strip()
            break
    period = resource.get("effectivePeriod") or \
        (resource.get("dispenseRequest") or {}).get("validityPeriod") or {}
    start = fv.day(resource.get("effectiveDateTime") or period.get("start")
                   or resource.get("authoredOn"))
    end = fv.day(period.get("end"))
    named = STRENGTH.match(name)
    strength = ""
    if named:
        name, strength = named.group("name"), named.group("strength")
    instructions = "\n".join(part for part in (str(dosage.get("text") or ""),
                                               fv.notes(resource)) if part)
    prescriber = str((resource.get("requester") or resource.get("informationSource")
                      or {}).get("display") or "")
    return Medication(
        user=user, name=name[:200], strength=strength[:100], dose=dose[:100],
        schedule=schedule, times=times, every_hours=every, start_date=start,
        end_date=end if not (start and end and end < start) else None,
        instructions=instructions, prescriber=prescriber[:200], is_active=active)


# --- Conditions, allergies, immunizations ---------------------------------------------------

CONDITION_STATUS = {"active": "active", "recurrence": "active", "relapse": "active",
                    "inactive": "inactive", "remission": "inactive", "resolved": "resolved"}
ALLERGY_STATUS = {"active": "active", "inactive": "inactive", "resolved": "resolved"}
REFUTED = {"entered-in-error", "refuted"}


def _coded(entry, concept, prefer):
    entry.created_by = entry.Author.IMPORT
    code = fv.first_code(concept, prefer)
    if code:
        entry.code, entry.code_system = code.code[:64], code.system[:200]
    return entry


def condition(resource: dict, user):
    verification = fv.status_code(resource.get("verificationStatus"))
    if verification in REFUTED:
        return Skip(f"verification {verification}")
    name = fv.concept_text(resource.get("code"))
    if not name:
        return Skip("no name for the condition")
    clinical = fv.status_code(resource.get("clinicalStatus"))
    abated = fv.day(fv.when(resource, "abatement"))
    status = CONDITION_STATUS.get(clinical) or ("resolved" if abated else "active")
    entry = Condition(user=user, name=name[:200], status=status,
                      onset=fv.day(fv.when(resource, "onset") or resource.get("recordedDate")),
                      abated=abated, note=fv.notes(resource))
    return _coded(entry, resource.get("code"), (fv.SNOMED,))


def allergy(resource: dict, user):
    verification = fv.status_code(resource.get("verificationStatus"))
    if verification in REFUTED:
        return Skip(f"verification {verification}")
    substance = fv.concept_text(resource.get("code"))
    reactions = resource.get("reaction") or []
    if not substance and reactions:
        substance = fv.concept_text(reactions[0].get("substance"))
    if not substance:
        return Skip("no substance")
    manifestations = [fv.concept_text(item) for reaction in reactions
                      for item in reaction.get("manifestation") or []]
    severities = [reaction.get("severity") for reaction in reactions if reaction.get("severity")]
    severity = max(severities, key=["mild", "moderate", "severe"].index) if severities else ""
    if not severity and resource.get("criticality") == "high":
        severity = "severe"
    categories = [c for c in resource.get("category") or [] if c in Allergy.Category.values]
    status = ALLERGY_STATUS.get(fv.status_code(resource.get("clinicalStatus")), "active")
    entry = Allergy(user=user, substance=substance[:200],
                    category=categories[0] if categories else "",
                    reaction=", ".join(dict.fromkeys(m for m in manifestations if m))[:300],
                    severity=severity, status=status,
                    onset=fv.day(fv.when(resource, "onset")), note=fv.notes(resource))
    return _coded(entry, resource.get("code"), (fv.SNOMED, fv.RXNORM))


def immunization(resource: dict, user):
    status = resource.get("status")
    if status in ("entered-in-error", "not-done"):
        return Skip(f"status {status}")
    vaccine = fv.concept_text(resource.get("vaccineCode"))
    if not vaccine:
        return Skip("no vaccine name")
    dose = ""
    for protocol in resource.get("protocolApplied") or []:
        dose = str(protocol.get("doseNumberPositiveInt") or protocol.get("doseNumberString")
                   or "")
        if dose:
            break
    performer = ""
    for item in resource.get("performer") or []:
        performer = str((item.get("actor") or {}).get("display") or "")
        if performer:
            break
    entry = Immunization(user=user, vaccine=vaccine[:200],
                         date=fv.day(resource.get("occurrenceDateTime")
                                     or resource.get("recorded")),
                         dose_number=dose[:20],
                         lot_number=str(resource.get("lotNumber") or "")[:50],
                         performer=performer[:200], note=fv.notes(resource))
    return _coded(entry, resource.get("vaccineCode"), (fv.CVX, fv.SNOMED))


def diagnostic_report(resource: dict, user):
    if resource.get("status") in ("entered-in-error", "cancelled"):
        return Skip(f"status {resource.get('status')}")
    name = fv.concept_text(resource.get("code")) or "Report"
    date = fv.day(fv.when(resource, "effective") or resource.get("issued"))
    results = [str(item.get("display")) for item in resource.get("result") or []
               if item.get("display")]
    parts = [str(resource.get("conclusion") or "").strip(),
             *(fv.concept_text(item) for item in resource.get("conclusionCode") or [])]
    if results:
        parts.append("Results: " + ", ".join(results))
    title = f"{name} ({date:%Y-%m-%d})" if date else name
    return MemoryEntry(user=user, category=MemoryEntry.Category.DOCUMENT_SUMMARY,
                       title=title[:200], content="\n".join(part for part in parts if part),
                       importance=MemoryEntry.Importance.LOW,
                       created_by=MemoryEntry.Author.DOCUMENT)
