"""FHIR R4 files imported: what each kind of resource becomes, the counts, no duplicates on a
second import, the messages for broken and foreign files, nothing left of a file that fails
midway, and deleting an import."""

import datetime
import json

import pytest
from django.core.files.storage import default_storage

from interop import fhir_import, uploads
from interop.models import RecordImport
from labs.models import LabValue
from memory.models import Allergy, Condition, Immunization, Medication, MemoryEntry, Vital

from .helpers import DATA, run, upload

pytestmark = pytest.mark.django_db


def test_a_collection_bundle_fills_every_part_of_the_record(user):
    done = run(user, "bundle_collection.json")
    assert done.status == "done", done.error
    counts = done.counts
    # 19 resources: the patient and the Medication only support others; the tetanus
    # vaccine was not given.
    assert counts["read"] == 19
    assert counts["by_type"] == {"conditions": 2, "allergies": 1, "immunizations": 1,
                                 "medications": 2, "vitals": 7, "lab_values": 2,
                                 "reports": 1}
    assert counts["imported"] == 16 and counts["skipped"] == 3
    assert any("not-done" in reason for reason in counts["reasons"])

    hypertension = Condition.objects.get(user=user, name="Hypertension")
    assert (hypertension.status, hypertension.code, hypertension.onset) == \
        ("active", "38341003", datetime.date(2019, 3, 2))
    assert hypertension.source_import == done and hypertension.created_by == "import"
    assert hypertension.note == "Diagnosed by Dr Smith"
    flu = Condition.objects.get(user=user, name="Influenza")
    assert flu.status == "resolved" and flu.abated == datetime.date(2023, 1, 20)

    penicillin = Allergy.objects.get(user=user)
    assert (penicillin.substance, penicillin.category, penicillin.severity,
            penicillin.reaction) == ("Penicillin", "medication", "moderate", "Skin rash")
    vaccine = Immunization.objects.get(user=user)
    assert (vaccine.vaccine, vaccine.date, vaccine.dose_number, vaccine.lot_number,
            vaccine.performer, vaccine.code) == (
        "Influenza, injectable, quadrivalent", datetime.date(2024, 10, 5), "1", "AB123",
        "City Clinic", "158")

    metformin = Medication.objects.get(user=user, name="Metformin")
    # Active, its times kept, but no reminders until the user chooses its schedule.
    assert metformin.is_active and metformin.strength == "500 mg" and metformin.dose == "1 tablet"
    assert metformin.times == ["08:00", "20:00"] and metformin.schedule == "as_needed"
    assert not metformin.is_scheduled
    amoxicillin = Medication.objects.get(user=user, name="Amoxicillin")
    assert not amoxicillin.is_active and amoxicillin.schedule == "interval"
    assert amoxicillin.every_hours == 8 and amoxicillin.end_date == datetime.date(2023, 1, 17)

    readings = {vital.kind: vital for vital in Vital.objects.filter(user=user)
                .exclude(note="resting")}
    assert (readings["blood_pressure"].value, readings["blood_pressure"].value2) == (128, 82)
    assert readings["weight"].value == pytest.approx(74.84, abs=0.01)  # 165 lb
    assert readings["blood_glucose"].value == pytest.approx(5.99, abs=0.01)  # 108 mg/dL
    assert readings["spo2"].value == pytest.approx(97)  # a fraction of 0.97
    assert readings["temperature"].value == pytest.approx(37.5)  # 99.5 °F
    assert Vital.objects.get(user=user, note="resting").value == 58
    assert all(vital.source_import == done for vital in readings.values())

    cholesterol = LabValue.objects.get(user=user, analyte__code="2093-3")
    assert cholesterol.value == pytest.approx(6.0, abs=0.01)  # 232 mg/dL in mmol/L
    assert cholesterol.unit == "mmol/L" and cholesterol.out_of_range is True
    assert cholesterol.source == done.source_label and cholesterol.date == datetime.date(2024, 4, 20)
    covid = LabValue.objects.get(user=user, name="SARS-CoV-2 RNA")
    assert covid.text == "Not detected" and covid.value is None

    report = MemoryEntry.objects.get(user=user, source_import=done)
    assert report.category == "document_summary" and report.title == "Lipid panel (2024-04-20)"
    assert "repeat in 3 months" in report.content and "Total cholesterol" in report.content
    # The uploaded file is gone once read.
    assert done.stored_path == "" and done.finished is not None


def test_importing_the_same_file_again_adds_nothing(user):
    first = run(user, "bundle_collection.json")
    before = {model: model.objects.filter(user=user).count()
              for model in fhir_import.TARGETS}
    second = run(user, "bundle_collection.json")
    assert second.status == "done"
    assert second.counts["imported"] == 0 and second.counts["read"] == first.counts["read"]
    assert second.counts["skipped"] == first.counts["read"]
    assert {model: model.objects.filter(user=user).count()
            for model in fhir_import.TARGETS} == before


def test_the_same_resource_twice_in_one_file_counts_once(user):
    condition = json.loads((DATA / "condition.json").read_text())
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": condition}, {"resource": condition}]}
    done = run(user, "twice.json", json.dumps(bundle).encode())
    assert done.counts["imported"] == 1 and done.counts["skipped"] == 1
    assert Condition.objects.filter(user=user).count() == 1


def test_a_searchset_pairs_blood_pressure_halves_and_skips_invalid_resources(user):
    done = run(user, "bundle_searchset.json")
    assert done.status == "done"
    assert done.counts["read"] == 5
    assert done.counts["by_type"] == {"vitals": 1, "lab_values": 1}
    pressure = Vital.objects.get(user=user)
    assert (pressure.kind, pressure.value, pressure.value2) == ("blood_pressure", 135, 88)
    reasons = " | ".join(done.counts["reasons"])
    assert "Observation/bad-1: invalid: effectiveDateTime" in reasons
    assert "Goal/goal-1: not a kind of record Anamnesis imports" in reasons
    hba1c = LabValue.objects.get(user=user)
    assert hba1c.analyte is not None and hba1c.analyte.code == "4548-4"


def test_a_transaction_bundle_and_a_single_resource(user):
    done = run(user, "bundle_transaction.json")
    assert done.counts["by_type"] == {"conditions": 1, "allergies": 1}
    asthma = Condition.objects.get(user=user, name="Asthma")
    assert asthma.onset == datetime.date(2010, 1, 1)
    assert asthma.source_key.startswith("fhir:Condition#")  # no id: keyed by its content
    peanuts = Allergy.objects.get(user=user)
    assert (peanuts.category, peanuts.severity, peanuts.reaction) == \
        ("food", "severe", "Anaphylaxis")
    single = run(user, "condition.json")
    assert single.counts == {**single.counts, "read": 1, "imported": 1, "skipped": 0}
    assert Condition.objects.get(user=user, code="44054006").name == "Diabetes mellitus type 2"
    again = run(user, "bundle_transaction.json")
    assert again.counts["imported"] == 0


def test_broken_json_fails_with_a_clear_message_and_imports_nothing(user):
    done = run(user, "broken.json")
    assert done.status == "failed"
    assert "not valid JSON" in done.error
    assert not Condition.objects.filter(user=user).exists()
    assert not default_storage.exists(f"uploads/{user.pk}/imports/{done.pk}/broken.json")


def test_a_foreign_file_is_refused_at_upload_and_nothing_is_stored(user):
    for name, data in [("notes.txt", None), ("data.json", b'{"hello": "world"}'),
                       ("page.xml", b"<html><body>hi</body></html>"),
                       ("archive.zip", b"PK\x03\x04 not really a zip")]:
        with pytest.raises(uploads.Refused) as refusal:
            upload(user, name, data)
        assert "not a file Anamnesis can import" in str(refusal.value)
    assert not RecordImport.objects.exists()


def test_a_failure_midway_leaves_nothing_half_imported(user, monkeypatch):
    record_import = RecordImport.objects.create(user=user, file_name="big.json", kind="fhir")
    bundle = json.loads((DATA / "bundle_collection.json").read_text())

    def stream():
        for number in range(1200):  # more than two chunks are saved before the failure
            yield {"resourceType": "Condition", "id": f"c{number}",
                   "code": {"text": f"Condition {number}"}, "subject": {"reference": "Patient/1"}}
        yield bundle
        raise ValueError("the file ends in the middle of a record")

    with pytest.raises(ValueError):
        fhir_import.import_resources(record_import, stream())
    assert not Condition.objects.filter(user=user).exists()
    assert not Vital.objects.filter(user=user).exists()
    assert not LabValue.objects.filter(user=user).exists()


def test_the_job_reports_a_failure_midway_and_keeps_nothing(user, monkeypatch):
    from interop import fhir_file

    def failing(path):
        yield {"resourceType": "Condition", "id": "one", "code": {"text": "Gout"},
               "subject": {"reference": "Patient/1"}}
        raise OSError("disk went away")

    monkeypatch.setattr(fhir_file, "resources", failing)
    monkeypatch.setattr(fhir_import, "CHUNK", 1)
    done = run(user, "condition.json")
    assert done.status == "failed" and "nothing was imported" in done.error
    assert done.counts["imported"] == 0
    assert not Condition.objects.filter(user=user).exists()


def test_apple_health_and_ccda_say_so_when_their_converter_is_missing(user, monkeypatch):
    import importlib

    from interop import tasks

    real = importlib.import_module

    def missing(name, *args):
        if name in ("interop.apple_health", "interop.ccda"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *args)

    monkeypatch.setattr(tasks.importlib, "import_module", missing)
    cda = (b'<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3">'
           b"<title>Summary</title></ClinicalDocument>")
    done = run(user, "summary.xml", cda)
    assert done.kind == "ccda" and done.status == "failed"
    assert done.error == "Importing this kind of file is not supported yet."


def test_deleting_an_import_takes_back_what_it_brought(user):
    done = run(user, "bundle_collection.json")
    mine = Condition.objects.create(user=user, name="Migraine")
    removed = uploads.delete(done)
    assert removed["conditions"] == 2 and removed["vitals"] == 7
    assert list(Condition.objects.filter(user=user)) == [mine]
    assert not Vital.objects.filter(user=user).exists()
    assert not Medication.objects.filter(user=user).exists()
    assert not RecordImport.objects.filter(pk=done.pk).exists()
