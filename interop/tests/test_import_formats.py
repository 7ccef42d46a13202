"""The other formats end to end, as the /import/ page runs them: an Apple Health export and
a C-CDA document go through the converters into the record (each reading once, nothing
twice on a re-import); a damaged file fails with the converter's own words; and a long
import stops at its time slice and goes on in the next run without losing or doubling a
record."""

import io
import json
import zipfile

import pytest

from interop import tasks
from interop.models import RecordImport
from labs.models import LabValue
from memory.models import Allergy, Condition, Immunization, Vital

from .apple_export import small_export_xml, write_zip
from .helpers import run

pytestmark = pytest.mark.django_db


def _apple_zip(tmp_path) -> bytes:
    path = tmp_path / "export.zip"
    write_zip(path, small_export_xml())
    return path.read_bytes()


def test_an_apple_health_export_becomes_vitals_and_entries_once(user, tmp_path):
    data = _apple_zip(tmp_path)
    first = run(user, "export.zip", data)
    assert first.kind == "apple_health" and first.status == "done", first.error
    vitals = Vital.objects.filter(user=user)
    kinds = sorted(vitals.values_list("kind", flat=True))
    # Two correlations and one pair of readings no correlation holds: three pressures,
    # though the file lists each correlated reading twice.
    assert kinds.count("blood_pressure") == 3
    assert kinds.count("weight") == 2 and kinds.count("blood_glucose") == 2
    assert {"height", "heart_rate", "spo2", "temperature"} <= set(kinds)
    weight = vitals.filter(kind="weight").order_by("measured_at").first()
    assert round(weight.value, 1) == 81.6  # 180 lb
    assert vitals.get(kind="spo2").value == 97
    assert set(Condition.objects.filter(user=user).values_list("name", flat=True)) >= {
        "Diabetes mellitus type 2"}
    assert Allergy.objects.filter(user=user, substance__icontains="Penicillin").exists()
    assert Immunization.objects.filter(user=user).exists()
    assert LabValue.objects.filter(user=user, source_import=first).exists()
    # Steps, sleep, a workout, an activity summary and the four readings their correlations
    # hold are not imported: the page counts them read and skipped, not silently dropped.
    assert first.counts["file_skipped"] >= 10
    assert first.totals["read"] == first.totals["imported"] + first.totals["skipped"]
    everything = (vitals.count(), Condition.objects.filter(user=user).count(),
                  LabValue.objects.filter(user=user).count())

    again = run(user, "export.zip", data)
    assert again.status == "done" and again.counts["imported"] == 0
    assert (vitals.count(), Condition.objects.filter(user=user).count(),
            LabValue.objects.filter(user=user).count()) == everything


def test_a_ccda_document_becomes_entries_of_the_record(user):
    record_import = run(user, "ccda_sample.xml")
    assert record_import.kind == "ccda" and record_import.status == "done", record_import.error
    assert Condition.objects.filter(user=user, name="Diabetes mellitus type 2").exists()
    assert record_import.counts["imported"] > 0
    assert run(user, "ccda_sample.xml").counts["imported"] == 0


def test_a_damaged_export_fails_with_the_converters_words(user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("apple_health_export/export.xml",
                         '<?xml version="1.0"?>\n<HealthData locale="en_US">\n <Record type="x"')
    record_import = run(user, "export.zip", buffer.getvalue())
    assert record_import.status == "failed"
    assert "line" in record_import.error and "could not be read to the end" not in \
        record_import.error
    assert not Vital.objects.filter(user=user).exists()


def _observations(count: int) -> bytes:
    entries = [{"resource": {
        "resourceType": "Observation", "id": f"hr-{n}", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "effectiveDateTime": f"2024-02-{1 + n // 1440:02d}T{n // 60 % 24:02d}:{n % 60:02d}:00Z",
        "valueQuantity": {"value": 60 + n % 30, "unit": "/min", "system": "http://unitsofmeasure.org",
                          "code": "/min"}}} for n in range(count)]
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": entries}).encode()


def test_a_long_import_goes_on_in_slices_without_a_record_lost_or_doubled(
        user, other_user, monkeypatch):
    data = _observations(1_700)
    queued = []
    monkeypatch.setattr(tasks, "SLICE_SECONDS", 0)  # every saved chunk ends a slice
    monkeypatch.setattr(tasks, "enqueue", queued.append)
    record_import = run(user, "heart.json", data)
    runs = 1
    while queued:
        assert record_import.status == "queued" and record_import.stored_path
        assert 0 < record_import.counts["imported"] < 1_700  # saved so far, shown
        tasks.run_import(str(queued.pop()))
        record_import.refresh_from_db()
        runs += 1
    assert runs == 4  # chunks of 500: three slices, then the rest
    assert record_import.status == "done" and not record_import.stored_path
    assert record_import.counts["read"] == 1_700 and record_import.counts["imported"] == 1_700
    assert "resume_at" not in record_import.counts
    assert Vital.objects.filter(user=user, kind="heart_rate").count() == 1_700

    monkeypatch.setattr(tasks, "SLICE_SECONDS", 3600)
    whole = run(other_user, "heart.json", data)
    assert whole.counts == {**record_import.counts}
    assert RecordImport.objects.filter(user=user).get().pk == record_import.pk
