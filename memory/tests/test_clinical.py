"""Conditions, allergies and immunizations as entries of the record: their pages (list,
add, edit, delete, source shown), the timeline, every turn's context, get_health_record
and the appointment PDF's lists."""

import datetime

import pytest
from django.utils import timezone

from chats import tool_registry
from documents import appointment
from interop.models import RecordImport
from memory.context import memory_blocks
from memory.models import Allergy, Condition, Immunization, MemoryEntry
from memory.timeline import events

pytestmark = pytest.mark.django_db


def _imported(user):
    return RecordImport.objects.create(user=user, file_name="portal.json", kind="fhir",
                                       status="done")


def test_add_edit_and_delete_a_condition(signed_in_client, user):
    page = signed_in_client.get("/memory/conditions/")
    assert page.status_code == 200 and "No conditions recorded yet." in page.content.decode()
    response = signed_in_client.post("/memory/conditions/", {
        "name": "Hypertension", "status": "active", "onset": "2019-03-02", "note": "mild"})
    assert response.status_code == 302
    condition = Condition.objects.get(user=user)
    assert (condition.name, condition.onset, condition.created_by) == \
        ("Hypertension", datetime.date(2019, 3, 2), "user")
    body = signed_in_client.get("/memory/conditions/").content.decode()
    assert "Hypertension" in body and 'data-testid="entry-source"' in body and "You" in body

    response = signed_in_client.post(f"/memory/conditions/{condition.pk}/edit/", {
        "name": "Hypertension", "status": "resolved", "onset": "2019-03-02",
        "abated": "2018-01-01"})
    assert response.status_code == 400
    assert "The end cannot be before the start." in response.content.decode()
    response = signed_in_client.post(f"/memory/conditions/{condition.pk}/edit/", {
        "name": "Hypertension", "status": "resolved", "onset": "2019-03-02",
        "abated": "2024-01-01"})
    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.status == "resolved" and condition.abated == datetime.date(2024, 1, 1)
    assert signed_in_client.post(f"/memory/conditions/{condition.pk}/delete/").status_code == 302
    assert not Condition.objects.exists()


def test_allergies_and_immunizations_pages_show_their_source(signed_in_client, user):
    record_import = _imported(user)
    Allergy.objects.create(user=user, substance="Penicillin", reaction="Skin rash",
                           severity="severe", source_import=record_import,
                           source_key="fhir:a", created_by="import")
    body = signed_in_client.get("/memory/allergies/").content.decode()
    assert "Penicillin" in body and "Skin rash" in body
    assert "Imported from portal.json" in body
    response = signed_in_client.post("/memory/immunizations/", {
        "vaccine": "Tetanus", "date": (timezone.localdate() + datetime.timedelta(days=3))
        .isoformat()})
    assert response.status_code == 400 and "That date is in the future." in \
        response.content.decode()
    response = signed_in_client.post("/memory/immunizations/", {
        "vaccine": "Tetanus", "date": "2020-05-01", "dose_number": "2"})
    assert response.status_code == 302
    body = signed_in_client.get("/memory/immunizations/").content.decode()
    assert "Tetanus" in body and "dose 2" in body


def test_a_stranger_gets_404_on_another_users_entries(client, user, other_user):
    condition = Condition.objects.create(user=user, name="Asthma")
    client.force_login(other_user)
    assert "Asthma" not in client.get("/memory/conditions/").content.decode()
    assert client.get(f"/memory/conditions/{condition.pk}/edit/").status_code == 404
    assert client.post(f"/memory/conditions/{condition.pk}/delete/").status_code == 404
    # An id of a condition is not an allergy's either.
    assert client.get(f"/memory/allergies/{condition.pk}/edit/").status_code == 404
    assert Condition.objects.filter(pk=condition.pk).exists()


def test_the_timeline_places_dated_entries(user):
    Condition.objects.create(user=user, name="Influenza", status="resolved",
                             onset=timezone.localdate() - datetime.timedelta(days=20),
                             abated=timezone.localdate() - datetime.timedelta(days=10))
    Immunization.objects.create(user=user, vaccine="Flu vaccine",
                                date=timezone.localdate() - datetime.timedelta(days=5))
    Allergy.objects.create(user=user, substance="Latex")  # no date: not placed
    titles = [event.title for event in events(user, kinds=["record"], days=90)]
    assert titles == ["Vaccine: Flu vaccine", "Ended: Influenza", "Condition: Influenza"]
    assert events(user, kinds=["record"], days=None)[0].url.startswith("/memory/immunizations/#")


def test_every_turn_tells_active_conditions_and_allergies_as_data_with_their_source(user):
    record_import = _imported(user)
    Condition.objects.create(user=user, name="Hypertension",
                             onset=datetime.date(2019, 3, 2))
    Condition.objects.create(user=user, name="Old flu", status="resolved")
    Allergy.objects.create(user=user, substance="Penicillin", reaction="rash",
                           source_import=record_import, source_key="fhir:x",
                           created_by="import")
    texts = [block["text"] for block in memory_blocks(user, None, "hi")]
    [clinical] = [text for text in texts if "Active conditions and allergies" in text]
    assert clinical.startswith("<data source=\"health-record\"")
    assert "- Condition: Hypertension, since 2019-03-02 (entered by the user)" in clinical
    assert "- Allergy: Penicillin — rash (imported from portal.json (" in clinical
    assert "Old flu" not in clinical


def test_get_health_record_lists_conditions_allergies_and_vaccines(user, other_user):
    Condition.objects.create(user=user, name="Asthma")
    Allergy.objects.create(user=user, substance="Peanuts", severity="severe")
    Immunization.objects.create(user=user, vaccine="Tetanus", date=datetime.date(2020, 5, 1))
    tool = tool_registry.get("get_health_record")
    result = tool.run(tool_registry.ToolContext(user=user, chat=None), {})
    assert "- Condition: Asthma (entered by the user)" in result.content
    assert "- Allergy: Peanuts — severe" in result.content
    assert "- Vaccine: Tetanus on 2020-05-01" in result.content
    stranger = tool.run(tool_registry.ToolContext(user=other_user, chat=None), {})
    assert "Asthma" not in stranger.content


def test_the_appointment_report_lists_new_and_legacy_entries_once(user):
    Allergy.objects.create(user=user, substance="Penicillin", reaction="rash")
    Allergy.objects.create(user=user, substance="Old", status="resolved")
    Condition.objects.create(user=user, name="Hypertension", onset=datetime.date(2019, 3, 2))
    MemoryEntry.objects.create(user=user, category="allergy", title="penicillin")  # the same
    MemoryEntry.objects.create(user=user, category="condition", title="Hypothyroidism",
                               content="on levothyroxine")
    found = appointment.context(user)
    assert [(line.title, line.content) for line in found["allergies"]] == [
        ("Penicillin", "rash")]
    assert [line.title for line in found["conditions"]] == ["Hypertension", "Hypothyroidism"]
    assert "2019" in found["conditions"][0].content
