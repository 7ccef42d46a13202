"""Apple Health export → a stream of FHIR R4 resource dicts (for `interop.fhir_import`).

`resources(path, progress)` reads an `export.zip` as the Health app writes it (the
measurements in `apple_health_export/export.xml`, the records of patient portals in
`apple_health_export/clinical-records/*.json`) or a bare `export.xml`. Exports run to
hundreds of MB and millions of records, so the XML is parsed streaming, straight from the
zip member, and each top-level element is dropped once read: memory stays bounded by the
blood pressure readings (see below), not by the file.

Measurements become Observations with LOINC codes and UCUM units, converted to the units
the record keeps (kg, cm, Cel, %; glucose stays in the unit it was measured in, under the
LOINC code for that unit). Blood pressure is written twice by Apple: as a correlation
holding a systolic and a diastolic reading, and as those two readings again on their own.
Each correlation becomes one Observation 85354-9; a standalone reading that a correlation
holds (same type, dates, value and source) is skipped, and only readings no correlation
holds become panels of their own, paired by time and source at the end of the file.

Every resource gets an `id` that is a hash of what the reading is (type, dates, value,
source): a re-import of the same export yields the same ids. Other record types (steps,
sleep, workouts…) are counted as skipped, by type.

Broken files raise ValueError with a message for the user.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse
from django.utils.translation import gettext as _

from interop import dstu2

PROGRESS_EVERY = 1000
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

BP_CORRELATION = "HKCorrelationTypeIdentifierBloodPressure"
SYSTOLIC = "HKQuantityTypeIdentifierBloodPressureSystolic"
DIASTOLIC = "HKQuantityTypeIdentifierBloodPressureDiastolic"
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BP_PARTS = {SYSTOLIC: ("8480-6", "Systolic blood pressure"),
            DIASTOLIC: ("8462-4", "Diastolic blood pressure")}

POUND_KG = 0.45359237
GLUCOSE_MMOL = ("15074-8", "Glucose [Moles/volume] in Blood")
GLUCOSE_MG = ("2339-0", "Glucose [Mass/volume] in Blood")

# Apple's unit → (factor, offset, UCUM unit): value * factor + offset
_UNITS = {
    "kg": (1, 0, "kg"), "g": (0.001, 0, "kg"), "lb": (POUND_KG, 0, "kg"),
    "st": (6.35029318, 0, "kg"), "oz": (0.028349523125, 0, "kg"),
    "cm": (1, 0, "cm"), "m": (100, 0, "cm"), "mm": (0.1, 0, "cm"), "in": (2.54, 0, "cm"),
    "ft": (30.48, 0, "cm"),
    "degC": (1, 0, "Cel"), "degF": (5 / 9, -32 * 5 / 9, "Cel"),
    "count/min": (1, 0, "/min"),
    "%": (100, 0, "%"),  # Apple writes oxygen saturation as a fraction: 0.97
    "mmHg": (1, 0, "mm[Hg]"),
    "mg/dL": (1, 0, "mg/dL"),
}

# Apple's type → (LOINC code, display, allowed Apple units, decimals)
QUANTITIES = {
    "HKQuantityTypeIdentifierBodyMass": ("29463-7", "Body weight",
                                         ("kg", "g", "lb", "st", "oz"), 3),
    "HKQuantityTypeIdentifierHeight": ("8302-2", "Body height", ("cm", "m", "mm", "in", "ft"), 2),
    "HKQuantityTypeIdentifierHeartRate": ("8867-4", "Heart rate", ("count/min",), 1),
    "HKQuantityTypeIdentifierRestingHeartRate": ("40443-4", "Heart rate --resting",
                                                 ("count/min",), 1),
    "HKQuantityTypeIdentifierOxygenSaturation": ("59408-5",
                                                 "Oxygen saturation in Arterial blood by Pulse "
                                                 "oximetry", ("%",), 2),
    "HKQuantityTypeIdentifierBodyTemperature": ("8310-5", "Body temperature",
                                                ("degC", "degF"), 2),
    "HKQuantityTypeIdentifierBloodGlucose": (None, "Glucose", ("mg/dL", "mmol/L"), 2),
}

_DATE = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)$")


def resources(path, progress: Callable[..., None] | None = None) -> Iterator[dict]:
    """The FHIR R4 resources of an Apple Health export (zip or export.xml), streamed.

    `progress(read=, skipped=, duplicates=, skipped_by_type={type: n})` is called every
    PROGRESS_EVERY records read and once at the end: `read` counts the records of the file
    (top-level measurements, correlations, workouts, activity summaries, clinical records),
    `skipped` those not turned into a resource, `duplicates` the blood pressure readings
    skipped because a correlation holds them.
    """
    counter = _Counter(progress)
    if zipfile.is_zipfile(path) or _starts_like_zip(path):
        yield from _from_zip(path, counter)
    else:
        try:
            stream = open(path, "rb")  # noqa: SIM115 (closed below, the generator owns it)
        except OSError as error:
            raise ValueError(_("The file could not be read.")) from error
        with stream:
            yield from _from_xml(stream, counter, versions={})
    counter.report()


def _starts_like_zip(path) -> bool:
    try:
        with open(path, "rb") as stream:
            return stream.read(4) == b"PK\x03\x04"
    except OSError:
        return False


class _Counter:
    def __init__(self, progress):
        self.progress = progress
        self.read = 0
        self.skipped = 0
        self.duplicates = 0
        self.by_type: Counter[str] = Counter()

    def tick(self):
        self.read += 1
        if self.progress and self.read % PROGRESS_EVERY == 0:
            self.report()

    def skip(self, kind: str):
        self.skipped += 1
        self.by_type[kind] += 1

    def report(self):
        if self.progress:
            self.progress(read=self.read, skipped=self.skipped, duplicates=self.duplicates,
                          skipped_by_type=dict(self.by_type))


def _from_zip(path, counter: _Counter) -> Iterator[dict]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(_("The zip file is damaged and cannot be opened.")) from error
    with archive:
        names = archive.namelist()
        xml_names = sorted((n for n in names if os.path.basename(n) == "export.xml"), key=len)
        if not xml_names:
            raise ValueError(_("This zip file is not an Apple Health export: it has no "
                               "export.xml."))
        versions: dict[str, str] = {}  # clinical record file name → its FHIR version
        try:
            with archive.open(xml_names[0]) as stream:
                yield from _from_xml(stream, counter, versions)
            for name in sorted(names):
                if "clinical-records/" in name and name.endswith(".json"):
                    counter.tick()
                    yield from _clinical_record(archive, name, versions, counter)
        except (zipfile.BadZipFile, EOFError, zlib.error) as error:
            raise ValueError(_("The zip file is damaged and cannot be read.")) from error
        except (RuntimeError, NotImplementedError) as error:  # encrypted, or Deflate64…
            raise ValueError(_("The zip file is encrypted or compressed in a way that cannot "
                               "be read: export it again from the Health app.")) from error


def _clinical_record(archive: zipfile.ZipFile, name: str, versions: dict[str, str],
                     counter: _Counter) -> Iterator[dict]:
    try:
        resource = json.loads(archive.read(name))
    except (ValueError, UnicodeDecodeError):
        counter.skip("clinical record: not valid JSON")
        return
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        counter.skip("clinical record: not a FHIR resource")
        return
    version = versions.get(os.path.basename(name), "")
    if resource["resourceType"] == "Bundle":  # not Apple's way, but a FHIR file may be one
        found = [e["resource"] for e in resource.get("entry") or []
                 if isinstance(e, dict) and isinstance(e.get("resource"), dict)]
    else:
        found = [resource]
    for item in found:
        # DSTU2 (1.0.2) and older, as the ClinicalRecord says; MedicationOrder is DSTU2 only
        if version.startswith(("1.", "0.")) or item.get("resourceType") == "MedicationOrder":
            mapped = dstu2.to_r4(item)
            if mapped is None:
                counter.skip(f"clinical record: DSTU2 {item.get('resourceType')} not mapped")
                continue
            item = mapped
        if not item.get("id"):
            item["id"] = _stable_id("clinical", json.dumps(item, sort_keys=True))
        yield item


def _from_xml(stream, counter: _Counter, versions: dict[str, str]) -> Iterator[dict]:
    pressure = _Pressure(counter)
    depth = 0
    root = None
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    if element.tag != "HealthData":
                        raise ValueError(_("This XML file is not an Apple Health export."))
                continue
            depth -= 1
            if depth != 1:
                continue
            tag = element.tag
            if tag == "Record":
                counter.tick()
                attrib = element.attrib
                kind = attrib.get("type", "")
                if kind in BP_PARTS:
                    pressure.standalone(attrib)
                else:
                    resource = _quantity(attrib)
                    if resource is None:
                        counter.skip(kind or "Record")
                    else:
                        yield resource
            elif tag == "Correlation":
                counter.tick()
                kind = element.get("type", "")
                resource = (_correlation(element, pressure) if kind == BP_CORRELATION
                            else None)
                if resource is None:
                    counter.skip(kind or "Correlation")
                else:
                    yield resource
            elif tag == "ClinicalRecord":
                path = element.get("resourceFilePath", "")
                if path:
                    versions[os.path.basename(path)] = element.get("fhirVersion", "")
            elif tag in ("Workout", "ActivitySummary"):
                counter.tick()
                counter.skip(tag)
            root.clear()
    except ParseError as error:
        line, column = error.position
        raise ValueError(_("The Apple Health export is not well-formed XML (line %(line)d, "
                           "column %(column)d).") % {"line": line, "column": column + 1}) from error
    except DefusedXmlException as error:
        raise ValueError(_("The file declares XML entities, which an export never has: it "
                           "is not read.")) from error
    if root is None:
        raise ValueError(_("The Apple Health export is empty."))
    yield from pressure.unpaired()


class _Pressure:
    """Blood pressure readings seen on their own and in correlations, matched by (type,
    start, end, value, source, unit) so that each reading counts once. Only unmatched
    readings are kept, as compact tuples (repeated strings shared): Apple lists every
    standalone reading before the correlations, so they wait here until their
    correlation comes, about 0.3 KB each."""

    def __init__(self, counter: _Counter):
        self.counter = counter
        self.waiting: dict[tuple, None] = {}  # standalone, no correlation yet (ordered)
        self.held: set[tuple] = set()  # in a correlation, no standalone copy yet
        self.shared: dict[str, str] = {}

    def key(self, attrib) -> tuple:
        share = self.shared.setdefault
        start, end = attrib.get("startDate", ""), attrib.get("endDate", "")
        return (share(attrib.get("type", ""), attrib.get("type", "")), start,
                start if end == start else end, attrib.get("value"),
                share(attrib.get("sourceName", ""), attrib.get("sourceName", "")),
                share(attrib.get("unit", ""), attrib.get("unit", "")))

    def duplicate(self):
        self.counter.duplicates += 1
        self.counter.skipped += 1

    def standalone(self, attrib):
        key = self.key(attrib)
        if key in self.held:
            self.held.discard(key)
            self.duplicate()
        elif key in self.waiting:  # the same reading twice in the file
            self.duplicate()
        else:
            self.waiting[key] = None

    def in_correlation(self, attrib):
        key = self.key(attrib)
        if key in self.waiting:
            del self.waiting[key]
            self.duplicate()
        else:
            self.held.add(key)

    def unpaired(self) -> Iterator[dict]:
        """Standalone readings no correlation holds, paired by time and source into
        panels of their own."""
        groups: dict[tuple, dict] = {}
        for kind, start, end, value, source, unit in self.waiting:
            by_type = groups.setdefault((start, end, source), {})
            if kind in by_type:  # one systolic and one diastolic per panel
                self.counter.skipped += 1
                continue
            by_type[kind] = {"type": kind, "startDate": start, "endDate": end,
                             "value": value, "sourceName": source, "unit": unit}
        for (start, end, source), by_type in groups.items():
            parts = list(by_type.values())
            values = sorted((a["type"], a.get("value")) for a in parts)
            resource = _blood_pressure(parts, parts[0], (BP_CORRELATION, start, end, values,
                                                         source))
            if resource is None:
                self.counter.skip(parts[0]["type"])
            else:
                yield resource


def _stable_id(*parts) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return "ah-" + digest[:40]


def _datetime(text: str | None) -> str | None:
    """Apple's "2024-01-05 08:30:00 -0500" → FHIR's "2024-01-05T08:30:00-05:00"."""
    match = _DATE.match(text or "")
    if match is None:
        return None
    day, time, hours, minutes = match.groups()
    return f"{day}T{time}{hours}:{minutes}"


def _number(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _observation(resource_id, code, display, when, device, category="vital-signs") -> dict:
    resource = {
        "resourceType": "Observation", "id": resource_id, "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}],
                 "text": display},
        "effectiveDateTime": when,
    }
    if device:
        resource["device"] = {"display": device[:200]}
    return resource


def _quantity(attrib) -> dict | None:
    kind = attrib.get("type")
    spec = QUANTITIES.get(kind)
    if spec is None:
        return None
    code, display, units, decimals = spec
    unit = attrib.get("unit", "")
    if unit.startswith("mmol") and unit.endswith("/L"):  # "mmol<180.1558800000541>/L"
        unit = "mmol/L"
    value = _number(attrib.get("value"))
    when = _datetime(attrib.get("startDate"))
    if unit not in units or value is None or when is None:
        return None
    if code is None:  # glucose: the code names the unit
        code, display = GLUCOSE_MMOL if unit == "mmol/L" else GLUCOSE_MG
        ucum = unit
    else:
        factor, offset, ucum = _UNITS[unit]
        value = value * factor + offset
    resource = _observation(
        _stable_id(kind, attrib.get("startDate"), attrib.get("endDate"), attrib.get("value"),
                   attrib.get("unit"), attrib.get("sourceName")),
        code, display, when, attrib.get("sourceName"))
    resource["valueQuantity"] = {"value": round(value, decimals), "unit": ucum,
                                 "system": UCUM, "code": ucum}
    return resource


def _component(attrib) -> dict | None:
    value = _number(attrib.get("value"))
    if value is None or attrib.get("unit", "mmHg") != "mmHg":
        return None
    code, display = BP_PARTS[attrib["type"]]
    return {"code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "valueQuantity": {"value": value, "unit": "mm[Hg]", "system": UCUM,
                              "code": "mm[Hg]"}}


def _blood_pressure(parts: list, when_attrib, id_parts) -> dict | None:
    """One Observation 85354-9 with the systolic and diastolic readings as components."""
    parts = sorted(parts, key=lambda a: a["type"] != SYSTOLIC)  # systolic first
    components = [c for c in (_component(a) for a in parts) if c is not None]
    when = _datetime(when_attrib.get("startDate"))
    if not components or when is None:
        return None
    resource = _observation(_stable_id(*id_parts), *BP_PANEL, when,
                            when_attrib.get("sourceName"))
    resource["component"] = components
    return resource


def _correlation(element, pressure: _Pressure) -> dict | None:
    parts = [dict(r.attrib) for r in element.iter("Record") if r.get("type") in BP_PARTS]
    for attrib in parts:
        pressure.in_correlation(attrib)
    attrib = element.attrib
    values = sorted((a["type"], a.get("value")) for a in parts)
    return _blood_pressure(parts, attrib, (BP_CORRELATION, attrib.get("startDate"),
                                           attrib.get("endDate"), values,
                                           attrib.get("sourceName")))
