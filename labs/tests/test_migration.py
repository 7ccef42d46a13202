"""Existing documents' values reach the record from their stored facts: no OCR, no model."""

import datetime

import pytest
from django.core.management import call_command

from documents.models import Document
from labs.models import LabValue

pytestmark = pytest.mark.django_db


def test_the_command_normalises_stored_facts_without_a_model(user, settings):
    settings.ANTHROPIC_API_KEY = ""  # nothing to call, and nothing is called
    Document.objects.create(
        user=user, filename="old.pdf", mime_type="application/pdf", sha256="old",
        status="completed", document_date=datetime.date(2024, 5, 1),
        metadata={"provider": "Old Lab", "lab_values": [
            {"analyte": "Glu", "value": 108, "unit": "mg/dL", "reference_range": "70-99"},
            {"analyte": "Odd thing", "value": "3", "unit": "zz"}]})
    assert not LabValue.objects.exists()
    call_command("normalise_labs")
    glucose, odd = LabValue.objects.for_user(user).order_by("position")
    assert glucose.analyte.code == "2345-7" and glucose.value == pytest.approx(5.99, abs=0.01)
    assert (glucose.out_of_range, glucose.source) == (True, "Old Lab")
    assert odd.analyte is None and odd.name == "Odd thing"
    call_command("normalise_labs")  # again: replaced, not doubled
    assert LabValue.objects.for_user(user).count() == 2
