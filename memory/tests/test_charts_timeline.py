"""Trends, timeline and the appointment PDF of the health record."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.lab_values import normalise_document
from documents.models import Document
from memory import doses, medications
from memory.charts import vital_charts
from memory.models import Medication, MemoryEntry, Vital


def bp(user, systolic, diastolic, days_ago):
    return Vital.objects.create(user=user, kind="blood_pressure", value=systolic,
                                value2=diastolic, unit="mmHg",
                                measured_at=timezone.now() - timedelta(days=days_ago))


@pytest.mark.django_db
def test_three_blood_pressure_readings_draw_a_chart(signed_in_client, user):
    readings = [bp(user, 118, 76, 10), bp(user, 142, 92, 5), bp(user, 125, 80, 1)]
    [chart] = vital_charts(user)
    assert chart.kind == "blood_pressure" and chart.count == 3
    assert [len(line.dots) for line in chart.lines] == [3, 3]  # systolic and diastolic
    assert [dot.out_of_range for dot in chart.lines[0].dots] == [False, True, False]
    page = signed_in_client.get(reverse("trends:index")).content.decode()
    svg = re.search(r'<section class="card min-w-0" data-kind="blood_pressure">.*?</svg>', page,
                    re.DOTALL).group()
    systolic = re.search(r'<polyline[^>]*points="([^"]+)" data-line="value"', svg).group(1)
    assert len(systolic.split()) == 3
    assert svg.count("data-point") == 6 and "data-reference-band" in svg
    # Each point links to its reading.
    assert all(f"#vital-{vital.pk}" in svg for vital in readings)
    assert "142/92" in svg


@pytest.mark.django_db
def test_trends_page_still_shows_lab_values_and_adherence(signed_in_client, user):
    lab = Document.objects.create(
        user=user, filename="lab.pdf", file="x.pdf", mime_type="application/pdf",
        sha256="a" * 64, status=Document.Status.COMPLETED, document_date=timezone.localdate(),
        metadata={"lab_values": [{"analyte": "Glucose", "value": "6.9", "unit": "mmol/L",
                                  "reference_range": "3.9-5.5", "flag": "high"}]})
    normalise_document(lab)
    medications.save(Medication(user=user, name="Metformin", times=["08:00"]))
    page = signed_in_client.get(reverse("trends:index")).content.decode()
    assert 'data-analyte="2345-7"' in page and 'data-testid="adherence-charts"' in page


@pytest.mark.django_db
def test_trends_page_for_a_new_user_is_empty_but_fine(signed_in_client):
    response = signed_in_client.get(reverse("trends:index"))
    assert response.status_code == 200 and "No lab values yet" in response.content.decode()


@pytest.mark.django_db
def test_timeline_lists_everything_in_date_order_and_filters(signed_in_client, user):
    pill = medications.save(Medication(user=user, name="Metformin", times=["08:00"]))
    doses.record(pill, timezone.now() - timedelta(hours=3), "taken", "page")
    bp(user, 120, 80, 2)
    MemoryEntry.objects.create(user=user, title="Penicillin allergy", category="allergy")
    Document.objects.create(
        user=user, filename="blood.pdf", file="x.pdf", mime_type="application/pdf",
        sha256="b" * 64, status=Document.Status.COMPLETED,
        document_date=timezone.localdate() - timedelta(days=5),
        metadata={"lab_values": [{"analyte": "LDL", "value": "4.1", "flag": "high"}]})
    page = signed_in_client.get(reverse("memory:timeline")).content.decode()
    kinds = re.findall(r'data-kind="(\w+)"', page)
    assert set(kinds) == {"document", "lab", "vital", "dose", "medication", "memory"}
    assert kinds.index("vital") < kinds.index("document")  # newest first
    assert "Metformin: taken" in page and "1 outside the range" in page
    only = signed_in_client.get(reverse("memory:timeline"), {"kind": ["vital", "nonsense"]})
    assert set(re.findall(r'data-kind="(\w+)"', only.content.decode())) == {"vital"}


@pytest.mark.django_db
def test_appointment_pdf_lists_medications_in_cyrillic_for_a_russian_user(client, make_user):
    import pymupdf

    ivan = make_user("ivan@example.com", language="ru", full_name="Иван Петров")
    pill = medications.save(Medication(user=ivan, name="Метформин", strength="500 мг",
                                       dose="1 таблетка", times=["08:00", "20:00"],
                                       instructions="во время еды"))
    doses.record(pill, timezone.now() - timedelta(hours=12), "taken", "page")
    bp(ivan, 135, 85, 1)
    client.force_login(ivan)
    response = client.post(reverse("pdfs:appointment"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pymupdf.open(stream=b"".join(response.streaming_content), filetype="pdf")[0].get_text()
    assert "Метформин 500 мг" in text and "во время еды" in text
    assert "Текущие лекарства" in text and "Иван Петров" in text
    assert "135/85" in text and "Давление" in text
    assert ivan.generated_pdfs.count() == 1


@pytest.mark.django_db
def test_export_zip_holds_the_health_record_and_erase_removes_it(user):
    import io
    import json
    import zipfile

    from accounts.erase import erase_account
    from accounts.export import write_zip
    from memory.models import DoseEvent, HealthPreference

    pill = medications.save(Medication(user=user, name="Metformin", times=["08:00"]))
    doses.record(pill, timezone.now() - timedelta(hours=3), "taken", "page")
    bp(user, 120, 80, 1)
    HealthPreference.for_user(user)
    target = io.BytesIO()
    write_zip(user, target)
    archive = zipfile.ZipFile(target)
    for name in ["medication", "doseevent", "vital", "healthpreference"]:
        assert json.loads(archive.read(f"data/memory/{name}.json"))
    erase_account(user)
    assert not Medication.objects.exists() and not DoseEvent.objects.exists()
    assert not Vital.objects.exists()


@pytest.mark.django_db
def test_every_health_page_speaks_russian(client, make_user):
    ivan = make_user("ivan@example.com", language="ru", timezone="Europe/Moscow")
    pill = medications.save(Medication(user=ivan, name="Метформин", times=["08:00"],
                                       days_of_week=[1, 5]))
    bp(ivan, 120, 80, 1)
    client.force_login(ivan)
    for url, text in [
        (reverse("memory:medications"), "Лекарства"),
        (reverse("memory:medication_new"), "Добавить лекарство"),
        (reverse("memory:medication", args=[pill.pk]), "Пн, Пт"),
        (reverse("memory:vitals"), "Добавить измерение"),
        (reverse("trends:index"), "Динамика"),
        (reverse("memory:timeline"), "Хронология"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
