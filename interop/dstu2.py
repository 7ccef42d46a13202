"""A minimal mapping of FHIR DSTU2 resources to R4, for the clinical records of older
patient portals in an Apple Health export (Apple keeps each portal's version: most are R4,
some DSTU2 1.0.2).

Only what the record uses is carried over: the code, status, dates, value, dosage and
reactions of Observation, Condition, AllergyIntolerance, MedicationStatement,
MedicationOrder (→ MedicationRequest) and Immunization. Other DSTU2 types map to None,
and the caller counts them as skipped.
"""

from __future__ import annotations

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def _concept(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def _subject(resource: dict) -> dict:
    reference = resource.get("patient") or resource.get("subject")
    return reference if isinstance(reference, dict) and reference else {"display": "Patient"}


def _base(resource: dict, resource_type: str) -> dict:
    mapped = {"resourceType": resource_type}
    for key in ("id", "identifier", "text"):
        if resource.get(key):
            mapped[key] = resource[key]
    return mapped


def _timing(timing) -> dict | None:
    if not isinstance(timing, dict):
        return None
    timing = dict(timing)
    repeat = dict(timing.get("repeat") or {})
    for old, new in (("periodUnits", "periodUnit"), ("durationUnits", "durationUnit")):
        if old in repeat:
            repeat[new] = repeat.pop(old)
    if repeat:
        timing["repeat"] = repeat
    return timing


def _dosage(dosage: dict) -> dict:
    mapped = {}
    for key in ("text", "route", "method", "asNeededBoolean"):
        if key in dosage:
            mapped[key] = dosage[key]
    timing = _timing(dosage.get("timing"))
    if timing:
        mapped["timing"] = timing
    dose = dosage.get("doseQuantity") or dosage.get("quantityQuantity")
    if isinstance(dose, dict):
        mapped["doseAndRate"] = [{"doseQuantity": dose}]
    return mapped


def _observation(resource: dict) -> dict:
    mapped = _base(resource, "Observation")
    mapped["status"] = resource.get("status") or "final"
    mapped["code"] = resource.get("code") or {"text": "Observation"}
    if resource.get("category"):
        category = resource["category"]
        mapped["category"] = category if isinstance(category, list) else [category]
    if resource.get("interpretation"):
        interpretation = resource["interpretation"]
        mapped["interpretation"] = (interpretation if isinstance(interpretation, list)
                                    else [interpretation])
    for key in ("subject", "effectiveDateTime", "effectivePeriod", "issued", "valueQuantity",
                "valueString", "valueCodeableConcept", "component"):
        if resource.get(key):
            mapped[key] = resource[key]
    ranges = []
    for rng in resource.get("referenceRange") or []:
        rng = {k: v for k, v in rng.items() if k in ("low", "high", "text")}
        if rng:
            ranges.append(rng)
    if ranges:
        mapped["referenceRange"] = ranges
    return mapped


def _condition(resource: dict) -> dict:
    mapped = _base(resource, "Condition")
    mapped["subject"] = _subject(resource)
    mapped["code"] = resource.get("code") or {"text": "Condition"}
    status = {"relapse": "recurrence"}.get(resource.get("clinicalStatus"),
                                           resource.get("clinicalStatus"))
    if status in ("active", "recurrence", "relapse", "inactive", "remission", "resolved"):
        mapped["clinicalStatus"] = _concept(CLINICAL, status)
    verification = resource.get("verificationStatus")
    if verification in ("provisional", "differential", "confirmed", "refuted",
                        "entered-in-error"):
        mapped["verificationStatus"] = _concept(VERIFICATION, verification)
    for key in ("onsetDateTime", "onsetPeriod", "onsetString", "abatementDateTime",
                "abatementPeriod", "abatementString"):
        if resource.get(key):
            mapped[key] = resource[key]
    if resource.get("dateRecorded"):
        mapped["recordedDate"] = resource["dateRecorded"]
    if resource.get("category"):
        mapped["category"] = [resource["category"]]
    return mapped


def _allergy(resource: dict) -> dict:
    mapped = _base(resource, "AllergyIntolerance")
    mapped["patient"] = _subject(resource)
    mapped["code"] = resource.get("substance") or {"text": "Allergy"}
    status = resource.get("status")
    clinical = {"active": "active", "confirmed": "active", "unconfirmed": "active",
                "inactive": "inactive", "resolved": "resolved"}.get(status)
    if clinical:
        mapped["clinicalStatus"] = _concept(ALLERGY_CLINICAL, clinical)
    if status in ("unconfirmed", "confirmed", "refuted", "entered-in-error"):
        mapped["verificationStatus"] = _concept(ALLERGY_VERIFICATION, status)
    criticality = {"CRITL": "low", "CRITH": "high", "CRITU": "unable-to-assess",
                   "low": "low", "high": "high"}.get(resource.get("criticality"))
    if criticality:
        mapped["criticality"] = criticality
    if resource.get("type") in ("allergy", "intolerance"):
        mapped["type"] = resource["type"]
    if resource.get("category") in ("food", "medication", "environment", "biologic"):
        mapped["category"] = [resource["category"]]
    if resource.get("onset"):
        mapped["onsetDateTime"] = resource["onset"]
    if resource.get("recordedDate"):
        mapped["recordedDate"] = resource["recordedDate"]
    reactions = []
    for reaction in resource.get("reaction") or []:
        if reaction.get("manifestation"):
            item = {"manifestation": reaction["manifestation"]}
            if reaction.get("severity") in ("mild", "moderate", "severe"):
                item["severity"] = reaction["severity"]
            reactions.append(item)
    if reactions:
        mapped["reaction"] = reactions
    return mapped


def _medication(resource: dict) -> dict | None:
    if not resource.get("medicationCodeableConcept"):
        return None  # a reference to a Medication the export does not carry
    if resource["resourceType"] == "MedicationOrder":
        mapped = _base(resource, "MedicationRequest")
        mapped["status"] = {"on-hold": "on-hold", "completed": "completed",
                            "entered-in-error": "entered-in-error", "stopped": "stopped",
                            "draft": "draft"}.get(resource.get("status"), "active")
        mapped["intent"] = "order"
        if resource.get("dateWritten"):
            mapped["authoredOn"] = resource["dateWritten"]
        dosages = resource.get("dosageInstruction") or []
        key = "dosageInstruction"
    else:
        mapped = _base(resource, "MedicationStatement")
        mapped["status"] = {"completed": "completed", "entered-in-error": "entered-in-error",
                            "intended": "intended"}.get(resource.get("status"), "active")
        for key in ("effectiveDateTime", "effectivePeriod"):
            if resource.get(key):
                mapped[key] = resource[key]
        dosages = resource.get("dosage") or []
        key = "dosage"
    mapped["medicationCodeableConcept"] = resource["medicationCodeableConcept"]
    mapped["subject"] = _subject(resource)
    dosages = [_dosage(d) for d in dosages if isinstance(d, dict)]
    if dosages:
        mapped[key] = dosages
    return mapped


def _immunization(resource: dict) -> dict | None:
    if not resource.get("date"):
        return None
    mapped = _base(resource, "Immunization")
    not_given = resource.get("wasNotGiven") or resource.get("status") == "stopped"
    mapped["status"] = ("not-done" if not_given else
                        "entered-in-error" if resource.get("status") == "entered-in-error"
                        else "completed")
    mapped["vaccineCode"] = resource.get("vaccineCode") or {"text": "Vaccine"}
    mapped["patient"] = _subject(resource)
    mapped["occurrenceDateTime"] = resource["date"]
    for key in ("lotNumber", "site", "route", "doseQuantity"):
        if resource.get(key):
            mapped[key] = resource[key]
    return mapped


MAPPINGS = {"Observation": _observation, "Condition": _condition,
            "AllergyIntolerance": _allergy, "MedicationStatement": _medication,
            "MedicationOrder": _medication, "Immunization": _immunization}


def to_r4(resource: dict) -> dict | None:
    """The R4 form of a DSTU2 resource, or None when its type is not mapped."""
    mapping = MAPPINGS.get(resource.get("resourceType"))
    return mapping(resource) if mapping else None
