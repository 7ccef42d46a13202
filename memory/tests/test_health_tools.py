"""The assistant writes to the health record only with the user's confirmation:
record_vital and save_medication propose, Confirm writes, Undo removes, bad input is a
clear tool error (issue 13, "Done when": the record_vital proposal becomes a vital only
after the user confirms)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers

from chats import actions, tool_registry
from chats.models import AssistantAction, Chat
from chats.tests.conftest import ChatSocket
from memory.models import Medication, Vital
from notifications.models import Notification
from tests.fakes.anthropic_server import Reply


def run(tool, user, chat=None, **data):
    return tool_registry.get(tool).run(tool_registry.ToolContext(user=user, chat=chat), data)


@pytest.mark.django_db(transaction=True)
async def test_the_assistants_record_vital_becomes_a_vital_only_after_the_user_confirms(
    fake_anthropic, make_user, client
):
    user = await sync_to_async(make_user)("vitals@example.com")
    chat = await Chat.objects.acreate(user=user, title="Morning reading")

    def model(body: dict) -> Reply:
        answered = any(isinstance(block, dict) and block.get("type") == "tool_result"
                       for message in body["messages"] if isinstance(message["content"], list)
                       for block in message["content"])
        if not answered:
            return Reply.tool("record_vital", {"kind": "blood_pressure", "value": 138,
                                               "value2": 88, "unit": "mmHg",
                                               "note": "after coffee"})
        return Reply.text("I have prepared the reading; please confirm it.")

    fake_anthropic.responder = model
    channel_layers.backends.clear()
    socket = ChatSocket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="My blood pressure this morning was 138/88")
    events = await socket.until_finished(timeout=30)
    await socket.close()

    # The model heard that nothing is recorded yet; the chat shows a card to confirm.
    results = json.dumps(fake_anthropic.requests[-1]["messages"], ensure_ascii=False)
    assert "Not saved yet" in results and "needs the user's confirmation" in results
    html = events[-1]["html"]
    assert 'data-state="proposed"' in html and "Confirm" in html
    assert not await Vital.objects.filter(user=user).aexists()

    action = await AssistantAction.objects.aget(user=user)
    assert (action.kind, action.state, action.origin, action.chat_id) == (
        "memory.vital", "proposed", "chat", chat.pk)
    assert action.summary == "Waiting for your confirmation: Blood pressure 138/88 mmHg"

    await sync_to_async(client.force_login)(user)
    page = await sync_to_async(client.get)("/settings/activity/?state=proposed")
    assert "Blood pressure 138/88 mmHg" in page.content.decode()

    response = await sync_to_async(client.post)(f"/chats/actions/{action.pk}/confirm/")
    assert response.status_code == 302
    vital = await Vital.objects.aget(user=user)
    assert (vital.kind, vital.value, vital.value2, vital.unit, vital.note) == (
        "blood_pressure", 138, 88, "mmHg", "after coffee")
    await action.arefresh_from_db()
    assert (action.state, action.target_id) == ("confirmed", str(vital.pk))

    # A second click changes nothing; Undo removes the reading.
    await sync_to_async(client.post)(f"/chats/actions/{action.pk}/confirm/")
    assert await Vital.objects.filter(user=user).acount() == 1
    await sync_to_async(client.post)(f"/chats/actions/{action.pk}/undo/")
    assert not await Vital.objects.filter(user=user).aexists()


@pytest.mark.django_db
def test_a_vital_in_another_unit_is_stored_canonically_and_cancel_writes_nothing(user):
    result = run("record_vital", user, kind="weight", value=176.4, unit="lbs")
    assert not result.is_error and not Vital.objects.exists()
    actions.cancel(user, result.data["action"]["id"])
    assert not Vital.objects.exists()

    result = run("record_vital", user, kind="temperature", value=100.4, unit="F")
    actions.confirm(user, result.data["action"]["id"])
    vital = Vital.objects.get(user=user)
    assert (vital.unit, round(vital.value, 1)) == ("°C", 38.0)


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    ({"kind": "mood", "value": 5}, "Unknown measurement"),
    ({"kind": "heart_rate", "value": 900}, "Heart rate must be between 20 and 250 bpm."),
    ({"kind": "blood_pressure", "value": 120}, "Give both numbers"),
    ({"kind": "blood_pressure", "value": 80, "value2": 120}, "must be below the systolic"),
    ({"kind": "weight", "value": "heavy"}, "must be a number"),
    ({"kind": "weight", "value": 70, "unit": "stone"}, "Weight is given in kg, lb"),
    ({"kind": "spo2", "value": 97, "measured_at": "2999-01-01T08:00"}, "in the future"),
    ({"kind": "spo2", "value": 97, "measured_at": "yesterday"}, "not a date and time"),
])
def test_an_implausible_reading_is_a_clear_tool_error_and_nothing_is_proposed(
    user, data, message
):
    result = run("record_vital", user, **data)
    assert result.is_error and message in result.content
    assert not AssistantAction.objects.exists()


@pytest.mark.django_db
def test_save_medication_proposes_then_creates_it_with_its_reminders_and_undo_removes_them(
    user
):
    chat = Chat.objects.create(user=user, title="New pills")
    result = run("save_medication", user, chat, name="Metformin", strength="500 mg",
                 form="tablet", dose="1 tablet", times=["20:00", "8:00"],
                 instructions="with food")
    assert not result.is_error
    assert result.summary == "Waiting for your confirmation: Metformin 500 mg 1 tablet 08:00, 20:00"
    assert not Medication.objects.exists()
    assert not Notification.objects.filter(user=user).exists()

    action = actions.confirm(user, result.data["action"]["id"])
    assert (action.state, action.origin, action.chat_id) == ("confirmed", "chat", chat.pk)
    medication = Medication.objects.get(user=user)
    assert (medication.times, medication.schedule, medication.instructions) == (
        ["08:00", "20:00"], "times", "with food")
    assert Notification.objects.filter(user=user).exists()  # its dose reminders

    actions.undo(user, action.pk)
    assert not Medication.objects.exists()
    assert not Notification.objects.filter(user=user, status="pending").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    ({"name": "Aspirin", "times": ["25:00"]}, "is not a time"),
    ({"name": "Aspirin", "schedule": "times"}, "Give at least one time of day."),
    ({"name": "Aspirin", "schedule": "interval", "every_hours": 48}, "from 1 to 24"),
    ({"name": "", "times": ["08:00"]}, "required"),
    ({"name": "Aspirin", "times": ["08:00"], "start_date": "2026-05-02",
      "end_date": "2026-05-01"}, "cannot be before the start date"),
])
def test_a_bad_medication_is_a_clear_tool_error(user, data, message):
    result = run("save_medication", user, **data)
    assert result.is_error and message in result.content
    assert not AssistantAction.objects.exists()


@pytest.mark.django_db
def test_a_strangers_confirm_finds_nothing(user, other_user):
    result = run("record_vital", user, kind="heart_rate", value=64)
    with pytest.raises(AssistantAction.DoesNotExist):
        actions.confirm(other_user, result.data["action"]["id"])
    assert not Vital.objects.exists()
