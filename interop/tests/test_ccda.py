"""The C-CDA converter: a Continuity of Care Document written for the tests
(data/ccda_sample.xml, every section the importer reads) becomes FHIR R4 resources that a
FHIR library accepts."""

from collections import Counter
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from interop import ccda

SAMPLE = Path(__file__).parent / "data" / "ccda_sample.xml"


def validate(resource: dict):
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def of_type(resources, kind):
    return [r for r in resources if r["resourceType"] == kind]


def codes(concept):
    return [(c["system"].rsplit("/", 1)[-1], c["code"]) for c in concept["coding"]]


@pytest.fixture(scope="module")
def converted():
    calls = []
    resources = list(ccda.resources(SAMPLE, progress=lambda **c: calls.append(c)))
    return resources, calls


def test_every_section_becomes_valid_fhir_r4(converted):
    resources, calls = converted
    for resource in resources:
        validate(resource)
    assert Counter(r["resourceType"] for r in resources) == {
        "Condition": 2, "AllergyIntolerance": 1, "MedicationStatement": 2, "Immunization": 1,
        "Observation": 8}
    assert calls == [{"read": 8, "skipped": 0, "skipped_by_type": {}}]
    assert all(r["id"].startswith("cda-") for r in resources)


def test_problems_are_conditions_with_their_status_and_dates(converted):
    diabetes, hypertension = of_type(converted[0], "Condition")
    assert codes(diabetes["code"]) == [("sct", "44054006"), ("icd-10-cm", "E11.9")]
    assert diabetes["clinicalStatus"]["coding"][0]["code"] == "active"
    assert diabetes["onsetDateTime"] == "2019-03-01"
    assert diabetes["subject"] == {"display": "Ada Example"}
    assert hypertension["code"]["text"] == "Essential hypertension"
    assert hypertension["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert hypertension["abatementDateTime"] == "2018-09-01"


def test_allergy_with_reaction_and_severity(converted):
    (penicillin,) = of_type(converted[0], "AllergyIntolerance")
    assert codes(penicillin["code"]) == [("rxnorm", "7980")]
    assert penicillin["type"] == "allergy" and penicillin["category"] == ["medication"]
    assert penicillin["clinicalStatus"]["coding"][0]["code"] == "active"
    assert penicillin["reaction"] == [{"manifestation": [{
        "coding": [{"system": "http://snomed.info/sct", "code": "247472004",
                    "display": "Hives"}], "text": "Hives"}], "severity": "moderate"}]


def test_medications_keep_dose_route_and_timing(converted):
    metformin, lisinopril = of_type(converted[0], "MedicationStatement")
    assert codes(metformin["medicationCodeableConcept"]) == [("rxnorm", "860975")]
    assert metformin["status"] == "active"
    assert metformin["effectivePeriod"] == {"start": "2019-03-15"}
    (dosage,) = metformin["dosage"]
    assert dosage["timing"] == {"repeat": {"period": 12, "periodUnit": "h", "frequency": 1}}
    assert dosage["doseAndRate"] == [{"doseQuantity": {
        "value": 500, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}]
    assert dosage["route"]["coding"][0]["display"] == "ORAL"
    assert dosage["text"] == "Metformin 500 mg oral tablet, 1 tablet twice a day"
    assert lisinopril["dosage"][0]["timing"]["repeat"]["periodUnit"] == "d"


def test_immunization_keeps_its_date_and_lot(converted):
    (flu,) = of_type(converted[0], "Immunization")
    assert codes(flu["vaccineCode"]) == [("cvx", "140")]
    assert flu["occurrenceDateTime"] == "2023-10-12"
    assert flu["lotNumber"] == "FL2023A"
    assert flu["status"] == "completed"


def test_results_are_lab_observations_with_units_and_ranges(converted):
    labs = [o for o in of_type(converted[0], "Observation")
            if o["category"][0]["coding"][0]["code"] == "laboratory"]
    a1c, cholesterol = labs
    assert codes(a1c["code"]) == [("loinc.org", "4548-4")]
    assert a1c["valueQuantity"] == {"value": 7.2, "unit": "%",
                                    "system": "http://unitsofmeasure.org", "code": "%"}
    assert a1c["referenceRange"] == [{"low": {"value": 4.0, "unit": "%", "system":
                                              "http://unitsofmeasure.org", "code": "%"},
                                      "high": {"value": 5.6, "unit": "%", "system":
                                               "http://unitsofmeasure.org", "code": "%"}}]
    assert a1c["interpretation"][0]["coding"][0]["code"] == "H"
    assert a1c["effectiveDateTime"] == "2024-01-10T08:30:00-05:00"
    assert cholesterol["valueQuantity"]["value"] == 195
    assert cholesterol["referenceRange"][0]["high"]["value"] == 200


def test_vital_signs_with_blood_pressure_as_one_panel(converted):
    vitals = [o for o in of_type(converted[0], "Observation")
              if o["category"][0]["coding"][0]["code"] == "vital-signs"]
    by_code = {o["code"]["coding"][0]["code"]: o for o in vitals}
    assert sorted(by_code) == ["29463-7", "59408-5", "8302-2", "8310-5", "85354-9", "8867-4"]
    panel = by_code["85354-9"]
    assert [(codes(c["code"])[0][1], c["valueQuantity"]["value"], c["valueQuantity"]["code"])
            for c in panel["component"]] == [("8480-6", 132, "mm[Hg]"), ("8462-4", 84, "mm[Hg]")]
    assert panel["effectiveDateTime"] == "2024-01-15T10:15:00-05:00"
    assert by_code["29463-7"]["valueQuantity"]["code"] == "kg"
    assert by_code["8310-5"]["valueQuantity"] == {
        "value": 36.8, "unit": "Cel", "system": "http://unitsofmeasure.org", "code": "Cel"}


def test_ids_are_stable_and_unique(converted):
    again = [r["id"] for r in ccda.resources(SAMPLE)]
    assert again == [r["id"] for r in converted[0]]
    assert len(set(again)) == len(again)


def test_entries_without_ids_or_codes(tmp_path):
    """An entry with no <id> gets an id from its content (the same on each run); one with
    nothing usable is counted as skipped; a "no known allergies" entry adds nothing."""
    text = SAMPLE.read_text()
    text = text.replace('<id root="cdbd33f0-6cde-11db-9fe1-0800200c9a67"/>', "")
    text = text.replace('<code code="314076" codeSystem="2.16.840.1.113883.6.88" '
                        'displayName="Lisinopril 10 MG Oral Tablet"/>',
                        '<code nullFlavor="UNK"/><name>Lisinopril 10 mg</name>')
    text = text.replace('<code code="140" codeSystem="2.16.840.1.113883.12.292" '
                        'displayName="Influenza, seasonal, injectable, preservative free"/>',
                        '<code nullFlavor="UNK"/>')
    text = text.replace('<observation classCode="OBS" moodCode="EVN">\n'
                        '                  <templateId root="2.16.840.1.113883.10.20.22.4.7"',
                        '<observation classCode="OBS" moodCode="EVN" negationInd="true">\n'
                        '                  <templateId root="2.16.840.1.113883.10.20.22.4.7"')
    path = tmp_path / "ccd.xml"
    path.write_text(text)
    calls = []
    resources = list(ccda.resources(path, progress=lambda **c: calls.append(c)))
    for resource in resources:
        validate(resource)
    (lisinopril,) = [r for r in of_type(resources, "MedicationStatement")
                     if r["medicationCodeableConcept"].get("text") == "Lisinopril 10 mg"]
    assert "identifier" not in lisinopril
    assert lisinopril["id"] == [r["id"] for r in ccda.resources(path)
                                if r["resourceType"] == "MedicationStatement"][1]
    assert of_type(resources, "Immunization") == []
    assert of_type(resources, "AllergyIntolerance") == []
    assert calls[-1]["skipped_by_type"] == {"allergy: no usable entry": 1,
                                            "immunization: no usable entry": 1}


@pytest.mark.parametrize("content, message", [
    ("<ClinicalDocument xmlns='urn:hl7-org:v3'><component>", r"not well-formed XML \(line 1, "),
    ("<HealthData locale='en_US'/>", "not a C-CDA document"),
    ("<ClinicalDocument/>", "not a C-CDA document"),  # no HL7 namespace
    ('<!DOCTYPE d [<!ENTITY a "aaaa">]><ClinicalDocument xmlns="urn:hl7-org:v3">&a;'
     "</ClinicalDocument>", "declares XML entities"),
    ("", "not well-formed XML"),
])
def test_broken_or_foreign_files_give_a_clear_error(tmp_path, content, message):
    path = tmp_path / "document.xml"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        list(ccda.resources(path))
