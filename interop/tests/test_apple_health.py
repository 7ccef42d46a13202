"""The Apple Health converter: an export the tests write (interop/tests/apple_export.py)
becomes FHIR R4 resources that a FHIR library accepts, each reading once."""

import io
import os
import zipfile
from collections import Counter

import pytest
from fhir.resources.R4B import get_fhir_model_class

from interop import apple_health
from interop.tests.apple_export import (
    HEADER,
    clinical_records,
    small_export_xml,
    write_large_export,
    write_zip,
)

LOINC = "http://loinc.org"


def validate(resource: dict):
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def code(resource):
    return resource["code"]["coding"][0]["code"]


def by_code(resources) -> dict[str, list]:
    found: dict[str, list] = {}
    for resource in resources:
        if resource["resourceType"] == "Observation":
            found.setdefault(code(resource), []).append(resource)
    return found


@pytest.fixture
def export_zip(tmp_path):
    path = tmp_path / "export.zip"
    write_zip(path, small_export_xml())
    return path


def test_an_export_zip_gives_each_reading_once_in_fhir_r4(export_zip):
    calls = []
    resources = list(apple_health.resources(export_zip, progress=lambda **c: calls.append(c)))
    for resource in resources:
        validate(resource)

    assert Counter(r["resourceType"] for r in resources) == {
        "Observation": 13, "Condition": 2, "MedicationStatement": 1,
        "AllergyIntolerance": 1, "Immunization": 1}
    observations = by_code(resources)
    # Blood pressure: two correlations whose readings are also listed on their own, and a
    # pair no correlation holds → three panels, not five or seven.
    panels = observations["85354-9"]
    assert [[c["valueQuantity"]["value"] for c in p["component"]] for p in panels] == [
        [120, 80], [130, 85], [140, 90]]
    assert [[code(c) for c in p["component"]] for p in panels] == [["8480-6", "8462-4"]] * 3
    assert all(c["valueQuantity"]["code"] == "mm[Hg]" for p in panels for c in p["component"])
    assert "8480-6" not in observations and "8462-4" not in observations

    def quantities(loinc):
        return [(o["valueQuantity"]["value"], o["valueQuantity"]["code"])
                for o in observations[loinc]]

    assert quantities("29463-7") == [(81.647, "kg"), (80.5, "kg")]  # 180 lb, then kg
    assert quantities("8302-2") == [(175, "cm")]
    assert quantities("8867-4") == [(72, "/min")]
    assert quantities("40443-4") == [(58, "/min")]
    assert quantities("2339-0") == [(105, "mg/dL")]
    assert quantities("15074-8") == [(5.8, "mmol/L")]
    assert quantities("59408-5") == [(97, "%")]  # Apple's 0.97
    assert quantities("8310-5") == [(37.0, "Cel")]  # 98.6 °F
    assert observations["29463-7"][0]["effectiveDateTime"] == "2024-01-05T08:30:00-05:00"
    assert observations["29463-7"][0]["device"] == {"display": "Withings"}
    assert quantities("2093-3") == [(187, "mg/dL")]  # the portal's lab result, as it was

    conditions = [r for r in resources if r["resourceType"] == "Condition"]
    assert [c["id"] for c in conditions] == ["cond-1", "old-cond-1"]
    old = conditions[1]  # DSTU2, mapped to R4
    assert old["subject"] == {"reference": "Patient/p1"}
    assert old["clinicalStatus"]["coding"][0]["code"] == "active"
    assert old["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert old["recordedDate"] == "2010-02-03"

    assert calls[-1] == {
        "read": 30, "skipped": 11, "duplicates": 4,
        "skipped_by_type": {"HKQuantityTypeIdentifierStepCount": 3,
                            "HKCategoryTypeIdentifierSleepAnalysis": 1, "Workout": 1,
                            "ActivitySummary": 1,
                            "clinical record: DSTU2 Procedure not mapped": 1}}


def test_ids_are_stable_across_imports_and_unique(export_zip, tmp_path):
    first = [r["id"] for r in apple_health.resources(export_zip)]
    second = [r["id"] for r in apple_health.resources(export_zip)]
    assert first == second
    assert len(set(first)) == len(first)
    # the same readings in a bare export.xml keep their ids
    xml = tmp_path / "export.xml"
    xml.write_text(small_export_xml())
    bare = [r["id"] for r in apple_health.resources(xml)]
    assert bare == first[:len(bare)] and len(bare) == 12  # no clinical records without the zip


def test_standalone_readings_pair_when_no_correlation_holds_them(tmp_path):
    from datetime import datetime

    from interop.tests.apple_export import FOOTER, ZONE, blood_pressure
    t = datetime(2024, 3, 1, 7, 0, tzinfo=ZONE)
    xml = tmp_path / "export.xml"
    xml.write_text(HEADER + blood_pressure(118, 76, t, standalone=False)
                   + blood_pressure(125, 82, t.replace(hour=9), correlation=False)
                   + blood_pressure(131, 88, t.replace(hour=11)) + FOOTER)
    panels = list(apple_health.resources(xml))
    assert [[c["valueQuantity"]["value"] for c in p["component"]] for p in panels] == [
        [118, 76], [131, 88], [125, 82]]


def test_progress_every_thousand_records(tmp_path):
    path = tmp_path / "export.xml"
    with open(path, "wb") as stream:
        written = write_large_export(stream, 2500)
    calls = []
    list(apple_health.resources(path, progress=lambda **c: calls.append(c["read"])))
    assert calls[:2] == [1000, 2000]
    assert calls[-1] == written  # and once at the end


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04 this is not really a zip", "cannot be opened"),
    (b"<HealthData><Record type='x'></HealthData>", "line 1, column 32"),
    (HEADER.encode() + b' <Record type="HKQuantityTypeIdentifierHeartRate" value="1"\n'
     b'  <Record/>\n', "line 29, column 3"),
    (b"<ClinicalDocument xmlns='urn:hl7-org:v3'/>", "not an Apple Health export"),
    (b"", "not well-formed XML (line 1"),
])
def test_broken_files_give_a_clear_error(tmp_path, content, message):
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        list(apple_health.resources(path))


def test_a_zip_without_export_xml_or_cut_short(tmp_path):
    empty = tmp_path / "photos.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("holiday/notes.txt", "not health data")
    with pytest.raises(ValueError, match=r"no export\.xml"):
        list(apple_health.resources(empty))

    whole = tmp_path / "whole.zip"
    with open(tmp_path / "export.xml", "wb") as stream:
        write_large_export(stream, 3000)
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(tmp_path / "export.xml", "apple_health_export/export.xml")
    data = whole.read_bytes()
    damaged = bytearray(data)
    damaged[len(data) // 3: len(data) // 3 + 64] = b"\0" * 64  # inside the compressed XML
    cut = tmp_path / "damaged.zip"
    cut.write_bytes(bytes(damaged))
    # The inflated bytes are garbage: zlib, the CRC or the XML parser notices first.
    with pytest.raises(ValueError, match=r"damaged|not well-formed XML"):
        list(apple_health.resources(cut))
    truncated = tmp_path / "truncated.zip"  # a download cut short: no central directory
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="zip file is damaged"):
        list(apple_health.resources(truncated))


def test_clinical_records_that_are_not_json_are_skipped(tmp_path):
    path = tmp_path / "export.zip"
    write_zip(path, small_export_xml(), clinical={})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("apple_health_export/clinical-records/Broken.json", "{not json")
    calls = []
    resources = list(apple_health.resources(path, progress=lambda **c: calls.append(c)))
    assert len(resources) == 12
    assert calls[-1]["skipped_by_type"]["clinical record: not valid JSON"] == 1


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_stays_bounded_on_a_large_export(tmp_path):
    """50,000 records (18 MB of XML, zipped as Apple does) are read with the process
    growing by a few MB: the parser drops each element once read. Without that, the same
    file grows the process by about 80 MB (measured by keeping the elements)."""
    xml = tmp_path / "export.xml"
    with open(xml, "wb") as stream:
        written = write_large_export(stream, 50_000)
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(xml, "apple_health_export/export.xml")
    xml.unlink()
    before = peak = resident_bytes()
    count = 0
    for count, _resource in enumerate(apple_health.resources(path), 1):
        if count % 2000 == 0:
            peak = max(peak, resident_bytes())
    peak = max(peak, resident_bytes())
    assert written >= 50_000
    assert count > 30_000  # heart rate, SpO2, weight, glucose and BP of the mix
    assert peak - before < 30 * 2**20, f"grew by {(peak - before) / 2**20:.1f} MiB"


def test_zip_member_is_read_streaming_not_whole():
    """The XML is read from the zip member in chunks: a stream that refuses a whole read
    still parses."""
    class ChunksOnly(io.BytesIO):
        def read(self, size=-1):
            assert 0 < size <= 1 << 20, "read the whole member at once"
            return super().read(size)

    stream = ChunksOnly(small_export_xml().encode())
    resources = list(apple_health._from_xml(stream, apple_health._Counter(None), {}))
    assert len(resources) == 12


def test_dstu2_clinical_records_are_mapped_to_valid_r4(tmp_path):
    """Older portals export DSTU2: the five kinds the record uses become R4 (a
    MedicationOrder a MedicationRequest); a Bundle file gives its entries."""
    patient = {"reference": "Patient/p9"}
    clinical = {
        "MedicationOrder-1.json": ("1.0.2", {
            "resourceType": "MedicationOrder", "id": "mo-1", "status": "active",
            "patient": patient, "dateWritten": "2015-04-01",
            "medicationCodeableConcept": {"text": "Atorvastatin 20 mg"},
            "dosageInstruction": [{"text": "once a day", "doseQuantity": {"value": 20,
                                                                          "unit": "mg"},
                                   "timing": {"repeat": {"frequency": 1, "period": 1,
                                                         "periodUnits": "d"}}}]}),
        "AllergyIntolerance-1.json": ("1.0.2", {
            "resourceType": "AllergyIntolerance", "id": "ai-1", "patient": patient,
            "substance": {"text": "Peanuts"}, "status": "confirmed", "criticality": "CRITH",
            "category": "food", "reaction": [{"manifestation": [{"text": "Anaphylaxis"}],
                                              "severity": "severe"}]}),
        "Immunization-1.json": ("1.0.2", {
            "resourceType": "Immunization", "id": "im-1", "status": "completed",
            "date": "2012-09-20", "vaccineCode": {"text": "Tdap"}, "patient": patient,
            "wasNotGiven": False, "reported": False}),
        "Observation-1.json": ("1.0.2", {
            "resourceType": "Observation", "id": "ob-1", "status": "final",
            "category": {"coding": [{"code": "laboratory"}]}, "code": {"text": "HbA1c"},
            "effectiveDateTime": "2014-06-01", "valueQuantity": {"value": 6.1, "unit": "%"},
            "interpretation": {"text": "High"},
            "referenceRange": [{"high": {"value": 5.6, "unit": "%"}, "meaning": {"text": "x"}}]}),
        "Bundle-1.json": ("4.0.1", {
            "resourceType": "Bundle", "type": "collection", "entry": [
                {"resource": {"resourceType": "Condition", "id": "b-1", "subject": patient,
                              "code": {"text": "Migraine"}}}]}),
    }
    path = tmp_path / "export.zip"
    write_zip(path, HEADER + clinical_records(clinical) + "</HealthData>\n", clinical=clinical)
    resources = {r["id"]: r for r in apple_health.resources(path)}
    for resource in resources.values():
        validate(resource)
    assert sorted(resources) == ["ai-1", "b-1", "im-1", "mo-1", "ob-1"]
    order = resources["mo-1"]
    assert order["resourceType"] == "MedicationRequest" and order["intent"] == "order"
    assert order["dosageInstruction"][0]["timing"]["repeat"]["periodUnit"] == "d"
    assert order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 20
    allergy = resources["ai-1"]
    assert allergy["code"] == {"text": "Peanuts"} and allergy["criticality"] == "high"
    assert allergy["category"] == ["food"] and allergy["reaction"][0]["severity"] == "severe"
    assert resources["im-1"]["occurrenceDateTime"] == "2012-09-20"
    assert resources["im-1"]["status"] == "completed"
    assert resources["ob-1"]["category"] == [{"coding": [{"code": "laboratory"}]}]
    assert resources["ob-1"]["referenceRange"] == [{"high": {"value": 5.6, "unit": "%"}}]


def test_a_zip_compressed_in_an_unsupported_way(tmp_path):
    path = tmp_path / "export.zip"
    write_zip(path, small_export_xml(), clinical={})
    data = bytearray(path.read_bytes())
    # compression method 9 (Deflate64, which some zip tools write) in both headers
    data[8:10] = (9).to_bytes(2, "little")
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(b"PK\x01\x02"))  # export.xml's entry
    data[central + 10:central + 12] = (9).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="compressed in a way that cannot be read"):
        list(apple_health.resources(path))
