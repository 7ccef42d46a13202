"""A prescription's medications are proposed, never added by themselves: the document page
and the activity page show each with Confirm / Cancel; a confirmed one becomes a
medication from that document with its reminders (issue 13, Deliver 5)."""

import json

import pytest
from django.urls import reverse

from chats.models import AssistantAction
from documents import facts, tasks
from memory.models import Medication
from notifications.models import Notification
from tests.fakes.anthropic_server import Reply

from .conftest import text_pdf
from .test_pipeline import make_document

pytestmark = pytest.mark.django_db

PRESCRIPTION = [
    "Dr. Ivanova, City Clinic — Prescription",
    "Date: 2026-03-14",
    "Amoxicillin 500 mg capsules, 1 capsule at 08:00, 14:00 and 20:00, for 7 days",
    "Ibuprofen 200 mg tablets, 1 tablet up to three times a day as needed",
]
FACTS = {
    "doc_type": "prescription", "document_date": "2026-03-14", "provider": "Dr. Ivanova",
    "summary": "Antibiotic course and a painkiller.", "findings": [], "lab_values": [],
    "medications": [
        {"name": "Amoxicillin", "strength": "500 mg", "form": "capsule", "dose": "1 capsule",
         "times": ["08:00", "14:00", "20:00"], "instructions": "for 7 days"},
        # A schedule that does not validate is proposed as needed, the frequency kept.
        {"name": "Ibuprofen", "strength": "200 mg", "form": "tablet", "dose": "1 tablet",
         "times": ["whenever"], "frequency": "up to three times a day",
         "instructions": "as needed"},
        {"name": "", "strength": "junk"},
    ],
}


def prescription(user):
    document = make_document(user, text_pdf(PRESCRIPTION), "application/pdf",
                             name="prescription.pdf")
    assert tasks.process_document(document.pk) == "completed"
    document.refresh_from_db()
    return document


def test_a_prescriptions_medications_wait_for_the_user_then_one_is_added(
    signed_in_client, user, fake_anthropic
):
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = prescription(user)
    assert document.doc_type == "prescription"
    assert [m["name"] for m in document.metadata["medications"]] == ["Amoxicillin", "Ibuprofen"]
    assert not Medication.objects.exists()

    proposed = list(AssistantAction.objects.filter(user=user, kind="memory.medication")
                    .order_by("created"))
    assert [(a.state, a.origin, a.origin_id) for a in proposed] == [
        ("proposed", "document", str(document.pk))] * 2
    assert proposed[0].summary == ("Add medication from prescription.pdf: "
                                   "Amoxicillin 500 mg 1 capsule 08:00, 14:00, 20:00")
    assert proposed[1].payload["schedule"] == "as_needed"
    assert proposed[1].payload["instructions"] == "up to three times a day; as needed"

    page = signed_in_client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert 'data-testid="prescribed-medications"' in page
    assert page.count('data-state="proposed"') == 2
    assert reverse("chats:action_confirm", args=[proposed[0].pk]) in page
    activity = signed_in_client.get("/settings/activity/?state=proposed").content.decode()
    assert "Add medication from prescription.pdf" in activity

    response = signed_in_client.post(reverse("chats:action_confirm", args=[proposed[0].pk]),
                                     {"next": reverse("documents:detail", args=[document.pk])})
    assert response.status_code == 302
    medication = Medication.objects.get(user=user)
    assert (medication.name, medication.times, medication.source_document,
            medication.prescriber) == ("Amoxicillin", ["08:00", "14:00", "20:00"], document,
                                       "Dr. Ivanova")
    assert Notification.objects.filter(user=user).exists()
    signed_in_client.post(reverse("chats:action_cancel", args=[proposed[1].pk]))
    assert Medication.objects.count() == 1

    # Extracted again: nothing is proposed twice.
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    facts.extract_facts(document)
    assert AssistantAction.objects.filter(kind="memory.medication").count() == 2


def test_a_model_without_tools_gives_the_medications_as_json(user, fake_anthropic):
    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text("```json\n" + json.dumps(FACTS) + "\n```"))
    prescription(user)
    assert AssistantAction.objects.filter(kind="memory.medication", state="proposed").count() == 2
    assert "medications" in json.dumps(fake_anthropic.last_request["system"])


def test_a_lab_result_proposes_no_medications(user, fake_anthropic):
    fake_anthropic.queue(Reply.tool("record_document", {**FACTS, "doc_type": "lab_result"}))
    prescription(user)
    assert not AssistantAction.objects.filter(kind="memory.medication").exists()


def test_another_users_document_page_shows_none_of_the_proposals(
    client, user, other_user, fake_anthropic
):
    fake_anthropic.queue(Reply.tool("record_document", FACTS))
    document = prescription(user)
    client.force_login(other_user)
    assert client.get(reverse("documents:detail", args=[document.pk])).status_code == 404
    action = AssistantAction.objects.filter(kind="memory.medication").first()
    assert client.post(reverse("chats:action_confirm", args=[action.pk])).status_code == 404
    assert not Medication.objects.exists()
