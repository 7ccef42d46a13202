"""The whole record as a FHIR R4 Bundle, shaped like the International Patient Summary: the
Patient, then their conditions, medications (MedicationStatement), allergies, immunizations,
vitals and lab values (Observation, LOINC codes and UCUM units: a lab value in its analyte's
canonical unit) and one DiagnosticReport per document (its title and date, and its lab
values as results). Imported back (interop/fhir_import.py) it gives the same record."""

import re
import uuid

from django.utils import timezone

from documents.models import Document
from labs.models import LabValue
from memory.clinical import noted_only
from memory.models import Allergy, Condition, Immunization, Medication, Vital

from . import fhir_values as fv

Kind = Vital.Kind
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
# kind → (LOINC, display, UCUM code, unit as shown)
VITALS = {
    Kind.WEIGHT: ("29463-7", "Body weight", "kg", "kg"),
    Kind.HEIGHT: ("8302-2", "Body height", "cm", "cm"),
    Kind.HEART_RATE: ("8867-4", "Heart rate", "/min", "/min"),
    Kind.TEMPERATURE: ("8310-5", "Body temperature", "Cel", "°C"),
    Kind.BLOOD_GLUCOSE: ("15074-8", "Glucose [Moles/volume] in Blood", "mmol/L", "mmol/L"),
    Kind.SPO2: ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%"),
}
COMPARATORS = {"<": "<", "≤": "<=", ">": ">", "≥": ">="}
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def ucum(unit: str) -> str:
    """The UCUM code of a unit as the catalogue shows it ("×10⁹/L" → "10*9/L"), or ""."""
    code = unit.replace("µ", "u").replace("×10", "10*").translate(SUPERSCRIPT).replace(" ", "")
    return code if code and re.fullmatch(r"[\x21-\x7e]+", code) else ""


def _ref(kind: str, pk) -> str:
    return f"urn:uuid:{pk}"


def _concept(text: str, code: str = "", system: str = "", display: str = "") -> dict:
    concept = {"text": text}
    if code:
        coding = {"code": code}
        if system:
            coding["system"] = system
        if display:
            coding["display"] = display
        concept["coding"] = [coding]
    return concept


def _status(system: str, code: str) -> dict:
    return {"coding": [{"system": f"{TERMINOLOGY}{system}", "code": code}]}


def _date(value) -> str:
    return value.isoformat() if value else ""


def _note(text: str) -> list:
    return [{"text": text}] if text else []


def _clean(resource: dict) -> dict:
    return {key: value for key, value in resource.items() if value not in ("", None, [], {})}


def patient(user, patient_id) -> dict:
    resource = {"resourceType": "Patient", "id": str(patient_id),
                "telecom": [{"system": "email", "value": user.email}]}
    if user.full_name:
        resource["name"] = [{"text": user.full_name}]
    return resource


def conditions(user, subject) -> list[dict]:
    found, entries = [], list(Condition.objects.for_user(user))
    for entry in entries:
        found.append(_clean({
            "resourceType": "Condition", "id": str(entry.pk),
            "clinicalStatus": _status("condition-clinical", entry.status),
            "code": _concept(entry.name, entry.code, entry.code_system),
            "subject": subject, "onsetDateTime": _date(entry.onset),
            "abatementDateTime": _date(entry.abated), "note": _note(entry.note)}))
    return found + _noted(user, Condition, [entry.name for entry in entries], subject)


def allergies(user, subject) -> list[dict]:
    found, entries = [], list(Allergy.objects.for_user(user))
    for entry in entries:
        reaction = {}
        if entry.reaction or entry.severity:
            reaction = _clean({"manifestation": [{"text": entry.reaction or entry.substance}],
                               "severity": entry.severity})
        found.append(_clean({
            "resourceType": "AllergyIntolerance", "id": str(entry.pk),
            "clinicalStatus": _status("allergyintolerance-clinical", entry.status),
            "category": [entry.category] if entry.category else [],
            "code": _concept(entry.substance, entry.code, entry.code_system),
            "patient": subject, "onsetDateTime": _date(entry.onset),
            "reaction": [reaction] if reaction else [], "note": _note(entry.note)}))
    return found + _noted(user, Allergy, [entry.substance for entry in entries], subject)


def _noted(user, model, named, subject) -> list[dict]:
    """Conditions or allergies written as memory entries before they had entries of their
    own (each once: memory.clinical.noted_only), as active resources."""
    kind, status, patient = {Condition: ("Condition", "condition-clinical", "subject"),
                             Allergy: ("AllergyIntolerance", "allergyintolerance-clinical",
                                       "patient")}[model]
    return [_clean({"resourceType": kind, "id": str(entry.pk),
                    "clinicalStatus": _status(status, "active"), "code": _concept(entry.title),
                    patient: subject, "note": _note(entry.content)})
            for entry in noted_only(user, model, named)]


def immunizations(user, subject) -> list[dict]:
    found = []
    for entry in Immunization.objects.for_user(user):
        resource = {
            "resourceType": "Immunization", "id": str(entry.pk), "status": "completed",
            "vaccineCode": _concept(entry.vaccine, entry.code, entry.code_system),
            "patient": subject, "lotNumber": entry.lot_number, "note": _note(entry.note),
            "performer": [{"actor": {"display": entry.performer}}] if entry.performer else [],
            "protocolApplied": [{"doseNumberString": entry.dose_number}]
            if entry.dose_number else [],
        }
        if entry.date:
            resource["occurrenceDateTime"] = entry.date.isoformat()
        else:
            resource["occurrenceString"] = "unknown"
        found.append(_clean(resource))
    return found


def _dosage(medication: Medication) -> dict:
    repeat = {}
    if medication.times:
        repeat["timeOfDay"] = [f"{time}:00" for time in medication.times]
    if medication.every_hours:
        repeat.update(frequency=1, period=medication.every_hours, periodUnit="h")
    dosage = {"text": medication.instructions,
              "timing": {"repeat": repeat} if repeat else {},
              "asNeededBoolean": True if medication.schedule == Medication.Schedule.AS_NEEDED
              else None}
    amount = re.match(r"^\s*(\d+(?:[.,]\d+)?)\s*(.*)$", medication.dose or "")
    if amount:
        dosage["doseAndRate"] = [{"doseQuantity": _clean({
            "value": float(amount.group(1).replace(",", ".")), "unit": amount.group(2)})}]
    elif medication.dose:
        dosage["text"] = "; ".join(part for part in (medication.dose, medication.instructions)
                                   if part)
    return _clean(dosage)


def medications(user, subject) -> list[dict]:
    found = []
    for medication in Medication.objects.for_user(user):
        period = _clean({"start": _date(medication.start_date),
                         "end": _date(medication.end_date)})
        dosage = _dosage(medication)
        found.append(_clean({
            "resourceType": "MedicationStatement", "id": str(medication.pk),
            "status": "active" if medication.is_active else "stopped",
            "medicationCodeableConcept": {"text": str(medication)},
            "subject": subject, "effectivePeriod": period,
            "informationSource": {"display": medication.prescriber}
            if medication.prescriber else {},
            "dosage": [dosage] if dosage else []}))
    return found


def vitals(user, subject) -> list[dict]:
    found = []
    category = [{"coding": [{"system": f"{TERMINOLOGY}observation-category",
                             "code": "vital-signs"}]}]
    for vital in Vital.objects.for_user(user).order_by("measured_at"):
        resource = {"resourceType": "Observation", "id": str(vital.pk), "status": "final",
                    "category": category, "subject": subject,
                    "effectiveDateTime": vital.measured_at.isoformat(),
                    "note": _note(vital.note)}
        if vital.kind == Kind.BLOOD_PRESSURE:
            resource["code"] = _concept("Blood pressure", "85354-9", fv.LOINC,
                                        "Blood pressure panel")
            resource["component"] = [
                {"code": _concept("Systolic", "8480-6", fv.LOINC),
                 "valueQuantity": {"value": vital.value, "unit": "mmHg", "system": fv.UCUM,
                                   "code": "mm[Hg]"}},
                {"code": _concept("Diastolic", "8462-4", fv.LOINC),
                 "valueQuantity": {"value": vital.value2, "unit": "mmHg", "system": fv.UCUM,
                                   "code": "mm[Hg]"}}]
        else:
            code, display, unit_code, unit = VITALS[vital.kind]
            resource["code"] = _concept(display, code, fv.LOINC, display)
            resource["valueQuantity"] = {"value": vital.value, "unit": unit,
                                         "system": fv.UCUM, "code": unit_code}
        found.append(_clean(resource))
    return found


def _lab(value: LabValue, subject) -> dict:
    category = [{"coding": [{"system": f"{TERMINOLOGY}observation-category",
                             "code": "laboratory"}]}]
    analyte = value.analyte
    resource = {"resourceType": "Observation", "id": str(value.pk), "status": "final",
                "category": category, "subject": subject,
                "code": _concept(value.name, analyte.code if analyte else "",
                                 fv.LOINC if analyte else "", analyte.name_en if analyte else ""),
                "effectiveDateTime": value.date.isoformat()}
    if value.value is not None:
        quantity = {"value": value.value, "unit": value.unit,
                    "comparator": COMPARATORS.get(value.qualifier, "")}
        if ucum(value.unit):
            quantity.update(system=fv.UCUM, code=ucum(value.unit))
        resource["valueQuantity"] = _clean(quantity)
    elif value.text or value.printed_value:
        resource["valueString"] = value.text or value.printed_value
    if value.low is not None or value.high is not None:
        bound = {}
        for name, limit in (("low", value.low), ("high", value.high)):
            if limit is not None:
                bound[name] = _clean({"value": limit, "unit": value.unit,
                                      "system": fv.UCUM if ucum(value.unit) else "",
                                      "code": ucum(value.unit)})
        resource["referenceRange"] = [bound]
    elif value.reference_range:
        resource["referenceRange"] = [{"text": value.reference_range}]
    flag = {"high": "H", "low": "L", "abnormal": "A", "normal": "N"}.get(value.flag) or (
        "A" if value.out_of_range else "")
    if flag:
        resource["interpretation"] = [{"coding": [{
            "system": f"{TERMINOLOGY}v3-ObservationInterpretation", "code": flag}]}]
    return _clean(resource)


def labs(user, subject) -> list[dict]:
    return [_lab(value, subject) for value in
            LabValue.objects.for_user(user).select_related("analyte").order_by("date", "pk")]


def reports(user, subject) -> list[dict]:
    found = []
    results: dict = {}
    for pk, document_id, name in LabValue.objects.for_user(user).exclude(
            source_document=None).values_list("pk", "source_document_id", "name"):
        results.setdefault(document_id, []).append({"reference": _ref("Observation", pk),
                                                    "display": name})
    for document in Document.objects.for_user(user).filter(
            status=Document.Status.COMPLETED).order_by("created"):
        when = document.document_date or timezone.localdate(document.created)
        found.append(_clean({
            "resourceType": "DiagnosticReport", "id": str(document.pk), "status": "final",
            "code": {"text": document.get_doc_type_display() or document.filename},
            "subject": subject, "effectiveDateTime": when.isoformat(),
            "issued": document.created.isoformat(),
            "result": results.get(document.pk, []),
            "presentedForm": [_clean({"contentType": document.mime_type,
                                      "title": document.filename,
                                      "creation": document.created.isoformat()})]}))
    return found


def bundle(user) -> dict:
    patient_id = uuid.uuid5(uuid.NAMESPACE_URL, f"anamnesis:patient:{user.pk}")
    subject = {"reference": _ref("Patient", patient_id)}
    resources = [patient(user, patient_id)]
    for part in (conditions, medications, allergies, immunizations, vitals, labs, reports):
        resources += part(user, subject)
    return {
        "resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
                  for resource in resources],
    }
