"""save_memory and get_memory, called as the registry calls them."""

import pytest

from chats import tool_registry
from chats.models import Chat
from memory.models import MemoryEntry

pytestmark = pytest.mark.django_db


def call(name, user, data, chat=None):
    return tool_registry.get(name).run(tool_registry.ToolContext(user=user, chat=chat), data)


def test_save_memory_creates_then_updates_instead_of_duplicating(user):
    chat = Chat.objects.create(user=user)
    first = call("save_memory", user, {"title": "Metformin", "category": "medication",
                                       "importance": "high", "content": "500 mg"}, chat)
    call("save_memory", user, {"title": "metformin", "category": "medication",
                               "importance": "high", "content": "1000 mg"}, chat)
    entry = MemoryEntry.objects.get(user=user)
    assert entry.content == "1000 mg" and entry.source_chat == chat
    assert "Metformin" in first.summary and not first.is_error


def test_save_memory_without_title_is_an_error_for_the_model(user):
    result = call("save_memory", user, {"category": "other"})
    assert result.is_error and not MemoryEntry.objects.exists()


def test_get_memory_filters_and_sees_only_the_owner(user, other_user):
    MemoryEntry.objects.create(user=user, title="Asthma", category="condition")
    MemoryEntry.objects.create(user=user, title="Ibuprofen", category="medication")
    MemoryEntry.objects.create(user=other_user, title="Bob asthma", category="condition")
    result = call("get_memory", user, {"category": "condition"})
    assert "Asthma" in result.content
    assert "Ibuprofen" not in result.content and "Bob" not in result.content


def test_get_health_record_reads_medications_and_vitals_of_the_owner_only(user, other_user):
    from datetime import timedelta

    from django.utils import timezone

    from memory import doses, medications
    from memory.models import Medication, Vital

    pill = medications.save(Medication(user=user, name="Metformin", strength="500 mg",
                                       dose="1 tablet", times=["08:00", "20:00"]))
    yesterday_8 = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0) \
        - timedelta(days=1)
    Medication.objects.filter(pk=pill.pk).update(created=yesterday_8 - timedelta(hours=1))
    doses.record(pill, yesterday_8, "taken", "page")  # and yesterday's 20:00 went unanswered
    Vital.objects.create(user=user, kind="blood_pressure", value=128, value2=82, unit="mmHg",
                         measured_at=timezone.now())
    medications.save(Medication(user=other_user, name="Secret pill", times=["09:00"]))
    result = call("get_health_record", user, {})
    assert "Metformin 500 mg; 1 tablet; at 08:00, 20:00" in result.content
    assert "50% of doses taken in 30 days (1 missed, 0 skipped)" in result.content
    assert "Blood pressure: 128/82 mmHg" in result.content
    assert "Secret" not in result.content and not result.is_error
    assert Medication.objects.filter(user=user).count() == 1  # read only
    assert "No medications" in call("get_health_record", other_user.__class__.objects.create_user(
        "new@example.com"), {}).content


def test_every_turn_knows_the_active_medications_and_latest_vitals(user):
    from django.utils import timezone

    from memory import medications
    from memory.context import memory_blocks
    from memory.models import Medication, Vital

    assert memory_blocks(user, None, "hi") == []
    medications.save(Medication(user=user, name="Metformin", strength="500 mg",
                                times=["08:00"]))
    medications.save(Medication(user=user, name="Old pill", times=["09:00"], is_active=False))
    Vital.objects.create(user=user, kind="weight", value=81.4, unit="kg",
                         measured_at=timezone.now())
    [record] = memory_blocks(user, None, "hi")
    assert "Metformin 500 mg; at 08:00" in record["text"] and "Weight: 81.4 kg" in record["text"]
    assert "Old pill" not in record["text"] and "% of doses" not in record["text"]
