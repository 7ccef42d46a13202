"""GET /export/fhir/: the whole record as a FHIR R4 Bundle that fhir.resources accepts, and
that, imported into a new account, gives back the same record."""

import datetime
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from labs.records import rows
from memory.models import Allergy, Condition, Immunization, Medication, MemoryEntry, Vital

from .helpers import run

pytestmark = pytest.mark.django_db


def _record(user):
    Condition.objects.create(user=user, name="Hypertension", code="38341003",
                             code_system="http://snomed.info/sct", onset=datetime.date(2019, 3, 2),
                             note="Diagnosed by Dr Smith")
    Condition.objects.create(user=user, name="Influenza", status="resolved",
                             onset=datetime.date(2023, 1, 10), abated=datetime.date(2023, 1, 20))
    Allergy.objects.create(user=user, substance="Penicillin", category="medication",
                           reaction="Skin rash", severity="moderate")
    Immunization.objects.create(user=user, vaccine="Influenza vaccine", code="158",
                                code_system="http://hl7.org/fhir/sid/cvx",
                                date=datetime.date(2024, 10, 5), dose_number="1",
                                lot_number="AB123", performer="City Clinic")
    Medication.objects.create(user=user, name="Metformin", strength="500 mg", dose="1 tablet",
                              schedule="as_needed", times=["08:00", "20:00"],
                              instructions="with food", start_date=datetime.date(2022, 1, 1))
    Medication.objects.create(user=user, name="Amoxicillin", dose="500 mg", schedule="interval",
                              every_hours=8, is_active=False,
                              start_date=datetime.date(2023, 1, 10),
                              end_date=datetime.date(2023, 1, 17))
    moment = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    Vital.objects.create(user=user, kind="blood_pressure", value=128, value2=82, unit="mmHg",
                         measured_at=moment)
    Vital.objects.create(user=user, kind="weight", value=74.8, unit="kg", measured_at=moment)
    Vital.objects.create(user=user, kind="heart_rate", value=58, unit="bpm",
                         measured_at=moment, note="resting")
    Vital.objects.create(user=user, kind="blood_glucose", value=5.9, unit="mmol/L",
                         measured_at=moment)
    Vital.objects.create(user=user, kind="temperature", value=37.5, unit="°C",
                         measured_at=moment)
    Vital.objects.create(user=user, kind="spo2", value=97, unit="%", measured_at=moment)
    for value in rows(user, [
        {"analyte": "Total cholesterol", "value": 232, "unit": "mg/dL",
         "reference_range": "<200"},
        {"analyte": "Hemoglobin A1c", "value": 6.1, "unit": "%"},
        {"analyte": "SARS-CoV-2 RNA", "value": "not detected"},
    ], date=datetime.date(2024, 4, 20), source="City Lab"):
        value.save()
    MemoryEntry.objects.create(user=user, title="Asthma", category="condition",
                               content="since childhood")


def _snapshot(user) -> dict:
    def vitals():
        return sorted((v.kind, round(v.value, 3), v.value2 or 0, v.unit, v.measured_at, v.note)
                      for v in Vital.objects.filter(user=user))

    return {
        "conditions": sorted((c.name, c.status, c.code, str(c.onset), str(c.abated), c.note)
                             for c in Condition.objects.filter(user=user)),
        "allergies": sorted((a.substance, a.category, a.reaction, a.severity, a.status)
                            for a in Allergy.objects.filter(user=user)),
        "immunizations": sorted((i.vaccine, i.code, i.date, i.dose_number, i.lot_number,
                                 i.performer) for i in Immunization.objects.filter(user=user)),
        "medications": sorted((m.name, m.strength, m.dose, m.schedule, tuple(m.times),
                               m.every_hours or 0, m.is_active, str(m.start_date),
                               str(m.end_date),
                               m.instructions) for m in Medication.objects.filter(user=user)),
        "vitals": vitals(),
        "labs": sorted((v.analyte_id or 0, v.series_key, round(v.value, 4) if v.value else -1,
                        v.unit, v.text, v.date, v.out_of_range)
                       for v in user.lab_values.all()),
    }


def test_the_export_is_a_valid_fhir_bundle(client, user):
    _record(user)
    client.force_login(user)
    response = client.get("/export/fhir/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    bundle = Bundle.model_validate(data)  # raises on anything that is not valid R4
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds[0] == "Patient"
    assert kinds.count("Condition") == 3  # two entries and the asthma memory entry
    assert kinds.count("MedicationStatement") == 2 and kinds.count("Immunization") == 1
    assert kinds.count("AllergyIntolerance") == 1 and kinds.count("Observation") == 9
    cholesterol = next(entry["resource"] for entry in data["entry"]
                       if entry["resource"].get("code", {}).get("text") == "Total cholesterol")
    assert cholesterol["code"]["coding"][0] == {"system": "http://loinc.org", "code": "2093-3",
                                                "display": "Total cholesterol"}
    assert cholesterol["valueQuantity"]["unit"] == "mmol/L"
    assert cholesterol["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert cholesterol["valueQuantity"]["value"] == pytest.approx(6.0, abs=0.01)


def test_the_export_needs_a_signed_in_owner(client, user, other_user):
    _record(user)
    assert client.get("/export/fhir/").status_code == 302  # to the sign-in page
    client.force_login(other_user)
    data = json.loads(client.get("/export/fhir/").content)
    assert [entry["resource"]["resourceType"] for entry in data["entry"]] == ["Patient"]
    assert "Hypertension" not in json.dumps(data)


def test_round_trip_into_a_new_account_gives_the_same_record(client, user, make_user):
    _record(user)
    client.force_login(user)
    exported = client.get("/export/fhir/").content
    newcomer = make_user("carol@example.com")
    done = run(newcomer, "export.json", exported)
    assert done.status == "done", done.error
    before, after = _snapshot(user), _snapshot(newcomer)
    # The asthma memory entry comes back as a condition of its own.
    assert ("Asthma", "active", "", "None", "None", "since childhood") in after["conditions"]
    after["conditions"].remove(("Asthma", "active", "", "None", "None", "since childhood"))
    assert after == before
    assert done.counts["skipped"] == 1  # the patient
    again = run(newcomer, "export.json", exported)
    assert again.counts["imported"] == 0
