"""C-CDA / CDA R2 document → a stream of FHIR R4 resource dicts (for `interop.fhir_import`).

What US patient portals (and some national systems) export as a "Continuity of Care
Document". Sections are found by their LOINC code (or, when a document leaves the code
out, by their C-CDA template), wherever they are nested:

    Problems 11450-4       → Condition
    Allergies 48765-2      → AllergyIntolerance (with reactions, severity, criticality)
    Medications 10160-0    → MedicationStatement (with dose, route and timing when given)
    Immunizations 11369-6  → Immunization
    Results 30954-2        → Observation (laboratory: value, unit, reference range)
    Vital signs 8716-3     → Observation (vital-signs; systolic + diastolic → one 85354-9)

Each resource's `id` is a hash of the entry's `id root/extension` (or, for an entry with
no id, of the entry's content), so a re-import of the same document gives the same ids.

Parsed with the standard library's ElementTree: a CDA document is a few MB at most, read
whole. The kept converter on PyPI (ccda-to-fhir 0.3, alpha) was tried and not used: it
gives every resource a new random id on each run, loses the date of an immunization
written as `<effectiveTime value=…>` (the common form), and by design fails the whole
document on one entry it cannot map — one odd entry would lose a user's whole import.

Broken or foreign files raise ValueError with a message for the user.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, parse
from django.utils.translation import gettext as _

NS = "urn:hl7-org:v3"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"

CODE_SYSTEMS = {
    "2.16.840.1.113883.6.1": LOINC,
    "2.16.840.1.113883.6.96": "http://snomed.info/sct",
    "2.16.840.1.113883.6.88": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "2.16.840.1.113883.6.90": "http://hl7.org/fhir/sid/icd-10-cm",
    "2.16.840.1.113883.6.3": "http://hl7.org/fhir/sid/icd-10",
    "2.16.840.1.113883.6.103": "http://hl7.org/fhir/sid/icd-9-cm",
    "2.16.840.1.113883.12.292": "http://hl7.org/fhir/sid/cvx",
    "2.16.840.1.113883.6.69": "http://hl7.org/fhir/sid/ndc",
    "2.16.840.1.113883.6.8": UCUM,
    "2.16.840.1.113883.3.26.1.1": "http://ncithesaurus-stage.nci.nih.gov",
    "2.16.840.1.113883.4.9": "http://fdasis.nlm.nih.gov",
    "2.16.840.1.113883.6.73": "http://www.whocc.no/atc",
    "2.16.840.1.113883.5.83": INTERPRETATION,
}

PROBLEMS, ALLERGIES, MEDICATIONS = "11450-4", "48765-2", "10160-0"
IMMUNIZATIONS, RESULTS, VITALS = "11369-6", "30954-2", "8716-3"
# C-CDA section templates (with and without "entries required"), for sections with no code
TEMPLATES = {
    "2.16.840.1.113883.10.20.22.2.5": PROBLEMS, "2.16.840.1.113883.10.20.22.2.5.1": PROBLEMS,
    "2.16.840.1.113883.10.20.22.2.6": ALLERGIES, "2.16.840.1.113883.10.20.22.2.6.1": ALLERGIES,
    "2.16.840.1.113883.10.20.22.2.1": MEDICATIONS,
    "2.16.840.1.113883.10.20.22.2.1.1": MEDICATIONS,
    "2.16.840.1.113883.10.20.22.2.2": IMMUNIZATIONS,
    "2.16.840.1.113883.10.20.22.2.2.1": IMMUNIZATIONS,
    "2.16.840.1.113883.10.20.22.2.3": RESULTS, "2.16.840.1.113883.10.20.22.2.3.1": RESULTS,
    "2.16.840.1.113883.10.20.22.2.4": VITALS, "2.16.840.1.113883.10.20.22.2.4.1": VITALS,
}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"

_TS = re.compile(r"(\d{4})(\d\d)?(\d\d)?(?:(\d\d)(\d\d)?(\d\d)?(?:\.\d+)?)?([+-]\d{4}|Z)?$")


def _q(path: str) -> str:
    """'a/b' → the ElementTree path in the HL7 v3 namespace."""
    return "/".join(part if part in (".", "..") or part.startswith("*") else f"{{{NS}}}{part}"
                    for part in path.split("/"))


def resources(path, progress: Callable[..., None] | None = None) -> Iterator[dict]:
    """The FHIR R4 resources of a C-CDA document. `progress(read=, skipped=,
    skipped_by_type=)` is called once at the end (`read` counts the entries of the six
    sections)."""
    try:
        tree = parse(path)
    except ParseError as error:
        line, column = error.position
        raise ValueError(_("The document is not well-formed XML (line %(line)d, column "
                           "%(column)d).") % {"line": line, "column": column + 1}) from error
    except DefusedXmlException as error:
        raise ValueError(_("The file declares XML entities, which a C-CDA document never "
                           "has: it is not read.")) from error
    except OSError as error:
        raise ValueError(_("The file could not be read.")) from error
    root = tree.getroot()
    if root.tag != f"{{{NS}}}ClinicalDocument":
        raise ValueError(_("This XML file is not a C-CDA document."))
    document = _Document(root)
    yield from document.resources()
    if progress:
        progress(read=document.read, skipped=document.skipped,
                 skipped_by_type=dict(document.skipped_by_type))


class _Document:
    def __init__(self, root):
        self.root = root
        self.read = 0
        self.skipped = 0
        self.skipped_by_type: dict[str, int] = {}
        self.patient = {"display": _patient_name(root) or "Patient"}
        self.narrative: dict[str, str] = {}

    def skip(self, why: str):
        self.skipped += 1
        self.skipped_by_type[why] = self.skipped_by_type.get(why, 0) + 1

    def resources(self) -> Iterator[dict]:
        handlers = {PROBLEMS: problem, ALLERGIES: allergy, MEDICATIONS: medication,
                    IMMUNIZATIONS: immunization, RESULTS: result, VITALS: vitals}
        for section in self.root.iter(f"{{{NS}}}section"):
            kind = _section_kind(section)
            if kind not in handlers:
                continue
            self.narrative = _narrative(section)
            for entry in section.findall(_q("entry")):
                for act in entry:
                    if not isinstance(act.tag, str) or not act.tag.startswith(f"{{{NS}}}"):
                        continue
                    self.read += 1
                    produced = list(handlers[kind](self, act))
                    if not produced:
                        self.skip(_section_name(kind))
                    yield from produced

    # --- the pieces of an entry --------------------------------------------------------

    def text(self, element) -> str:
        """An element's text, or the narrative its <reference value="#id"> points at."""
        if element is None:
            return ""
        reference = element.find(_q("reference"))
        if reference is not None and reference.get("value", "").startswith("#"):
            found = self.narrative.get(reference.get("value")[1:])
            if found:
                return found
        original = element.find(_q("originalText"))
        if original is not None and original is not element:
            return self.text(original)
        return " ".join("".join(element.itertext()).split())

    def concept(self, element) -> dict | None:
        """A CD/CE/CV → CodeableConcept (its code and translations, and its text)."""
        if element is None:
            return None
        codings = []
        for coded in [element, *element.findall(_q("translation"))]:
            code, system = coded.get("code"), coded.get("codeSystem")
            if code and system:
                coding = {"system": CODE_SYSTEMS.get(system, f"urn:oid:{system}"),
                          "code": code}
                if coded.get("displayName"):
                    coding["display"] = coded.get("displayName")
                codings.append(coding)
        text = self.text(element.find(_q("originalText")))
        concept = {}
        if codings:
            concept["coding"] = codings
        text = text or next((c["display"] for c in codings if c.get("display")), "")
        if text:
            concept["text"] = text
        return concept or None


def _patient_name(root) -> str:
    name = root.find(_q("recordTarget/patientRole/patient/name"))
    if name is None:
        return ""
    return " ".join(" ".join(name.itertext()).split())


def _section_kind(section) -> str | None:
    code = section.find(_q("code"))
    if code is not None and code.get("code") in (PROBLEMS, ALLERGIES, MEDICATIONS,
                                                  IMMUNIZATIONS, RESULTS, VITALS):
        return code.get("code")
    for template in section.findall(_q("templateId")):
        if template.get("root") in TEMPLATES:
            return TEMPLATES[template.get("root")]
    return None


def _section_name(kind: str) -> str:
    return {PROBLEMS: "problem", ALLERGIES: "allergy", MEDICATIONS: "medication",
            IMMUNIZATIONS: "immunization", RESULTS: "result",
            VITALS: "vital sign"}[kind] + ": no usable entry"


def _narrative(section) -> dict[str, str]:
    """The section's human-readable text by ID, for <reference value="#id">."""
    found = {}
    text = section.find(_q("text"))
    if text is None:
        return found
    for element in text.iter():
        if element.get("ID"):
            found[element.get("ID")] = " ".join("".join(element.itertext()).split())
    return found


def _xsi_type(element) -> str:
    return (element.get(XSI_TYPE) or "").rsplit(":", 1)[-1]


def _datetime(value: str | None) -> str | None:
    """A CDA TS (20240115103000-0500) → a FHIR date or dateTime. A time with no zone is
    given as its date: FHIR needs the zone of a time."""
    match = _TS.match((value or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    if not month:
        return year
    if not day:
        return f"{year}-{month}"
    date = f"{year}-{month}-{day}"
    if not hour or not zone:
        return date
    zone = "Z" if zone == "Z" else f"{zone[:3]}:{zone[3:]}"
    return f"{date}T{hour}:{minute or '00'}:{second or '00'}{zone}"


def _times(element) -> tuple[str | None, str | None, str | None]:
    """(value, low, high) of an effectiveTime (TS or IVL_TS)."""
    if element is None:
        return None, None, None
    low, high = element.find(_q("low")), element.find(_q("high"))
    return (_datetime(element.get("value")),
            _datetime(low.get("value")) if low is not None else None,
            _datetime(high.get("value")) if high is not None else None)


def _identity(element, *fallback) -> tuple[str, list]:
    """A stable FHIR id and the identifiers of an entry, from its <id root extension>."""
    identifiers, parts = [], []
    for ident in element.findall(_q("id")):
        root, extension = ident.get("root"), ident.get("extension")
        if not root:
            continue
        parts.append(f"{root}|{extension or ''}")
        is_uuid = re.fullmatch(r"[0-9a-fA-F-]{36}", root) is not None
        identifiers.append({"system": f"urn:{'uuid' if is_uuid else 'oid'}:{root}",
                            "value": extension or root})
    if not parts:  # no id: the entry's content is its identity
        parts = [*fallback, ET.tostring(element, encoding="unicode")]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return "cda-" + digest[:40], identifiers


def _quantity(element) -> dict | None:
    """A PQ → Quantity (UCUM)."""
    if element is None or element.get("value") is None:
        return None
    try:
        value = float(element.get("value"))
    except ValueError:
        return None
    quantity = {"value": int(value) if value.is_integer() and "." not in element.get("value")
                else value}
    unit = element.get("unit")
    if unit and unit != "1":
        quantity.update(unit=unit, system=UCUM, code=unit)
    return quantity


def _templates(element) -> set[str]:
    return {t.get("root") for t in element.findall(_q("templateId"))}


def _observations(element, template: str):
    """The observations of an entryRelationship with this template."""
    for observation in element.findall(_q("entryRelationship/observation")):
        if template in _templates(observation):
            yield observation


def problem(doc: _Document, act) -> Iterator[dict]:
    observations = (list(act.findall(_q("entryRelationship/observation")))
                    if act.tag.endswith("act") else [act])
    for observation in observations:
        concept = doc.concept(observation.find(_q("value")))
        if concept is None:
            concept = ({"text": doc.text(observation.find(_q("text")))}
                       if doc.text(observation.find(_q("text"))) else None)
        if concept is None:
            continue
        resource_id, identifiers = _identity(observation, PROBLEMS)
        value, low, high = _times(observation.find(_q("effectiveTime")))
        _act_value, act_low, _act_high = _times(act.find(_q("effectiveTime")))
        status = "resolved" if high else "active"
        for status_observation in _observations(observation, "2.16.840.1.113883.10.20.22.4.6"):
            code = status_observation.find(_q("value"))
            status = {"55561003": "active", "73425007": "inactive",
                      "413322009": "resolved"}.get(code.get("code") if code is not None
                                                   else None, status)
        resource = {
            "resourceType": "Condition", "id": resource_id,
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": status}]},
            "verificationStatus": {"coding": [{
                "system": CONDITION_VERIFICATION,
                "code": "refuted" if observation.get("negationInd") == "true"
                else "confirmed"}]},
            "category": [{"coding": [{"system": CONDITION_CATEGORY,
                                      "code": "problem-list-item"}]}],
            "code": concept, "subject": doc.patient,
        }
        if identifiers:
            resource["identifier"] = identifiers
        if low or value or act_low:
            resource["onsetDateTime"] = low or value or act_low
        if high:
            resource["abatementDateTime"] = high
        yield resource


ALLERGY_TYPES = {"419199007": ("allergy", None), "416098002": ("allergy", "medication"),
                 "414285001": ("allergy", "food"), "59037007": ("intolerance", "medication"),
                 "235719002": ("intolerance", "food"), "419511003": (None, "medication"),
                 "418471000": (None, "food"), "426232007": (None, "environment"),
                 "420134006": (None, None)}
SEVERITY = {"255604002": "mild", "6736007": "moderate", "24484000": "severe",
            "371923003": "mild", "371924009": "moderate"}


def allergy(doc: _Document, act) -> Iterator[dict]:
    observations = (list(act.findall(_q("entryRelationship/observation")))
                    if act.tag.endswith("act") else [act])
    for observation in observations:
        entity = observation.find(_q("participant/participantRole/playingEntity"))
        concept = doc.concept(entity.find(_q("code"))) if entity is not None else None
        if concept is None and entity is not None:
            name = " ".join("".join(entity.itertext()).split())
            concept = {"text": name} if name else None
        if concept is None or observation.get("negationInd") == "true":
            continue  # "no known allergies", or an allergen the document does not name
        resource_id, identifiers = _identity(observation, ALLERGIES)
        resource = {"resourceType": "AllergyIntolerance", "id": resource_id,
                    "code": concept, "patient": doc.patient}
        if identifiers:
            resource["identifier"] = identifiers
        status = {"active": "active", "completed": "resolved", "suspended": "inactive",
                  "aborted": "inactive"}.get(_status(act), "active")
        for status_observation in _observations(observation,
                                                "2.16.840.1.113883.10.20.22.4.28"):
            code = status_observation.find(_q("value"))
            status = {"55561003": "active", "73425007": "inactive",
                      "413322009": "resolved"}.get(code.get("code") if code is not None
                                                   else None, status)
        resource["clinicalStatus"] = {"coding": [{"system": ALLERGY_CLINICAL, "code": status}]}
        kind = observation.find(_q("value"))
        allergy_type, category = ALLERGY_TYPES.get(kind.get("code") if kind is not None
                                                   else None, (None, None))
        if allergy_type:
            resource["type"] = allergy_type
        if category:
            resource["category"] = [category]
        _value, low, _high = _times(observation.find(_q("effectiveTime")))
        if low or _value:
            resource["onsetDateTime"] = low or _value
        for criticality in _observations(observation, "2.16.840.1.113883.10.20.22.4.145"):
            code = criticality.find(_q("value"))
            found = {"CRITL": "low", "CRITH": "high", "CRITU": "unable-to-assess"}.get(
                code.get("code") if code is not None else None)
            if found:
                resource["criticality"] = found
        allergy_severity = _severity(observation)
        reactions = []
        for reaction in _observations(observation, "2.16.840.1.113883.10.20.22.4.9"):
            manifestation = doc.concept(reaction.find(_q("value")))
            if manifestation:
                item = {"manifestation": [manifestation]}
                severity = _severity(reaction) or allergy_severity
                if severity:
                    item["severity"] = severity
                reactions.append(item)
        if reactions:
            resource["reaction"] = reactions
        yield resource


def _severity(observation) -> str | None:
    for severity in _observations(observation, "2.16.840.1.113883.10.20.22.4.8"):
        code = severity.find(_q("value"))
        if code is not None and code.get("code") in SEVERITY:
            return SEVERITY[code.get("code")]
    return None


def _status(element) -> str | None:
    status = element.find(_q("statusCode"))
    return status.get("code") if status is not None else None


def _material(doc: _Document, administration):
    material = administration.find(
        _q("consumable/manufacturedProduct/manufacturedMaterial"))
    if material is None:
        return None, None
    concept = doc.concept(material.find(_q("code")))
    name = material.find(_q("name"))
    if concept is None and name is not None and (name.text or "").strip():
        concept = {"text": name.text.strip()}
    return concept, material


PERIOD_UNITS = {"s": "s", "min": "min", "h": "h", "d": "d", "wk": "wk", "mo": "mo", "a": "a"}


def _dosage(doc: _Document, administration) -> dict:
    dosage = {}
    text = doc.text(administration.find(_q("text")))
    if text:
        dosage["text"] = text
    for effective in administration.findall(_q("effectiveTime")):
        kind = _xsi_type(effective)
        if kind == "PIVL_TS":
            period = effective.find(_q("period"))
            if period is not None and period.get("unit") in PERIOD_UNITS:
                try:
                    value = float(period.get("value", "1"))
                except ValueError:
                    continue
                repeat = {"period": int(value) if value.is_integer() else value,
                          "periodUnit": PERIOD_UNITS[period.get("unit")]}
                if effective.get("institutionSpecified") == "true":
                    repeat["frequency"] = 1
                dosage["timing"] = {"repeat": repeat}
        elif kind == "EIVL_TS":
            event = effective.find(_q("event"))
            if event is not None and event.get("code"):
                dosage["timing"] = {"repeat": {"when": [event.get("code")]}}
    route = doc.concept(administration.find(_q("routeCode")))
    if route:
        dosage["route"] = route
    dose = _quantity(administration.find(_q("doseQuantity")))
    if dose is None:
        low = administration.find(_q("doseQuantity/low"))
        dose = _quantity(low)
    if dose:
        dosage["doseAndRate"] = [{"doseQuantity": dose}]
    return dosage


def medication(doc: _Document, administration) -> Iterator[dict]:
    if not administration.tag.endswith("substanceAdministration"):
        return
    concept, _material_element = _material(doc, administration)
    if concept is None:
        return
    resource_id, identifiers = _identity(administration, MEDICATIONS)
    status = {"active": "active", "completed": "completed", "aborted": "stopped",
              "suspended": "on-hold", "cancelled": "not-taken", "held": "on-hold",
              "nullified": "entered-in-error"}.get(_status(administration), "unknown")
    if administration.get("moodCode") == "INT" and status == "active":
        status = "intended"
    resource = {"resourceType": "MedicationStatement", "id": resource_id, "status": status,
                "medicationCodeableConcept": concept, "subject": doc.patient}
    if identifiers:
        resource["identifier"] = identifiers
    for effective in administration.findall(_q("effectiveTime")):
        if _xsi_type(effective) in ("", "IVL_TS", "TS"):
            value, low, high = _times(effective)
            if low or high:
                resource["effectivePeriod"] = {k: v for k, v in (("start", low), ("end", high))
                                               if v}
            elif value:
                resource["effectiveDateTime"] = value
            break
    dosage = _dosage(doc, administration)
    if dosage:
        resource["dosage"] = [dosage]
    yield resource


def immunization(doc: _Document, administration) -> Iterator[dict]:
    if not administration.tag.endswith("substanceAdministration"):
        return
    concept, material = _material(doc, administration)
    if concept is None:
        return
    resource_id, identifiers = _identity(administration, IMMUNIZATIONS)
    refused = (administration.get("negationInd") == "true"
               or _status(administration) in ("aborted", "cancelled"))
    resource = {"resourceType": "Immunization", "id": resource_id,
                "status": "not-done" if refused else "completed",
                "vaccineCode": concept, "patient": doc.patient}
    if identifiers:
        resource["identifier"] = identifiers
    value, low, high = _times(administration.find(_q("effectiveTime")))
    when = value or low or high
    if when:
        resource["occurrenceDateTime"] = when
    else:
        resource["occurrenceString"] = "unknown"
    lot = material.find(_q("lotNumberText")) if material is not None else None
    if lot is not None and (lot.text or "").strip():
        resource["lotNumber"] = lot.text.strip()
    dose = _quantity(administration.find(_q("doseQuantity")))
    if dose and dose.get("unit"):
        resource["doseQuantity"] = dose
    route = doc.concept(administration.find(_q("routeCode")))
    if route:
        resource["route"] = route
    yield resource


def _observation(doc: _Document, observation, category: str, fallback_time) -> dict | None:
    code = doc.concept(observation.find(_q("code")))
    if code is None:
        return None
    value, low, high = _times(observation.find(_q("effectiveTime")))
    when = value or low or high or fallback_time
    resource_id, identifiers = _identity(observation, category)
    resource = {
        "resourceType": "Observation", "id": resource_id,
        "status": {"active": "preliminary", "aborted": "cancelled",
                   "nullified": "entered-in-error"}.get(_status(observation), "final"),
        "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
        "code": code, "subject": doc.patient,
    }
    if identifiers:
        resource["identifier"] = identifiers
    if when:
        resource["effectiveDateTime"] = when
    element = observation.find(_q("value"))
    if element is None or element.get("nullFlavor"):
        return None
    kind = _xsi_type(element)
    if kind in ("PQ", "REAL", "INT", ""):
        quantity = _quantity(element)
        if quantity is None:
            return None
        resource["valueQuantity"] = quantity
    elif kind in ("CD", "CE", "CV", "CO"):
        concept = doc.concept(element)
        if concept is None:
            return None
        resource["valueCodeableConcept"] = concept
    else:  # ST, ED, IVL_PQ…: as text
        text = " ".join("".join(element.itertext()).split())
        if not text:
            return None
        resource["valueString"] = text
    interpretations = [doc.concept(i) for i in observation.findall(_q("interpretationCode"))]
    interpretations = [i for i in interpretations if i]
    if interpretations:
        resource["interpretation"] = interpretations
    ranges = []
    for observation_range in observation.findall(_q("referenceRange/observationRange")):
        item = {}
        bounds = observation_range.find(_q("value"))
        if bounds is not None:
            for side in ("low", "high"):
                quantity = _quantity(bounds.find(_q(side)))
                if quantity:
                    item[side] = quantity
        text = doc.text(observation_range.find(_q("text")))
        if text:
            item["text"] = text
        if item:
            ranges.append(item)
    if ranges:
        resource["referenceRange"] = ranges
    return resource


def _components(organizer):
    if organizer.tag.endswith("organizer"):
        return organizer.findall(_q("component/observation"))
    return [organizer] if organizer.tag.endswith("observation") else []


def result(doc: _Document, organizer) -> Iterator[dict]:
    _value, low, _high = _times(organizer.find(_q("effectiveTime")))
    for observation in _components(organizer):
        resource = _observation(doc, observation, "laboratory", _value or low)
        if resource:
            yield resource


def vitals(doc: _Document, organizer) -> Iterator[dict]:
    value, low, _high = _times(organizer.find(_q("effectiveTime")))
    pressure = {}
    for observation in _components(organizer):
        resource = _observation(doc, observation, "vital-signs", value or low)
        if resource is None:
            continue
        loinc = next((c["code"] for c in resource["code"].get("coding", [])
                      if c["system"] == LOINC), None)
        if loinc in (SYSTOLIC, DIASTOLIC) and loinc not in pressure:
            pressure[loinc] = resource
        else:
            yield resource
    if pressure:
        # one blood pressure panel, as FHIR's vital signs profile has it
        parts = [pressure[c] for c in (SYSTOLIC, DIASTOLIC) if c in pressure]
        first = parts[0]
        panel = {
            "resourceType": "Observation",
            "id": "cda-" + hashlib.sha256(
                "\x1f".join(p["id"] for p in parts).encode()).hexdigest()[:40],
            "status": first["status"], "category": first["category"],
            "code": {"coding": [{"system": LOINC, "code": "85354-9",
                                 "display": "Blood pressure panel with all children "
                                            "optional"}],
                     "text": "Blood pressure"},
            "subject": doc.patient,
            "component": [{"code": p["code"], "valueQuantity": p["valueQuantity"]}
                          for p in parts if "valueQuantity" in p],
        }
        identifiers = [i for p in parts for i in p.get("identifier", [])]
        if identifiers:
            panel["identifier"] = identifiers
        if first.get("effectiveDateTime"):
            panel["effectiveDateTime"] = first["effectiveDateTime"]
        if panel["component"]:
            yield panel
