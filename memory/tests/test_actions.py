"""The assistant's memory writes: what it may do at once, what waits for the user, Undo."""

import pytest

from chats import actions, tool_registry
from chats.models import AssistantAction, Chat
from memory.models import MemoryEntry

pytestmark = pytest.mark.django_db


def save(user, chat=None, **data):
    data.setdefault("category", "medication")
    return tool_registry.get("save_memory").run(tool_registry.ToolContext(user=user, chat=chat),
                                                data)


def test_a_new_entry_is_saved_at_once_recorded_with_its_chat_and_undone(user):
    chat = Chat.objects.create(user=user, title="Pills")
    result = save(user, chat, title="Metformin", importance="high", content="500 mg")
    entry = MemoryEntry.objects.get(user=user)
    assert entry.created_by == "assistant" and entry.source_chat == chat
    assert result.summary == "Saved to memory: Metformin"
    action = AssistantAction.objects.get(user=user)
    assert (action.state, action.origin, action.chat, action.target_id) == (
        "applied", "chat", chat, str(entry.pk))
    actions.undo(user, action.pk)
    assert not MemoryEntry.objects.exists()
    assert AssistantAction.objects.get().state == "undone"


def test_a_critical_entry_waits_for_confirmation(user):
    result = save(user, title="Penicillin", category="allergy", importance="critical")
    assert not MemoryEntry.objects.exists()
    assert result.summary == "Waiting for your confirmation: Penicillin"
    assert "Not saved yet" in result.content
    action = actions.confirm(user, result.data["action"]["id"])
    assert action.state == "confirmed"
    entry = MemoryEntry.objects.get(user=user)
    assert (entry.importance, entry.created_by) == ("critical", "assistant")


def test_the_users_own_entry_is_never_overwritten_without_confirmation(user):
    mine = MemoryEntry.objects.create(user=user, title="Bisoprolol", category="medication",
                                      content="5 mg", importance="high")
    result = save(user, title="bisoprolol", content="10 mg", importance="high")
    mine.refresh_from_db()
    assert mine.content == "5 mg" and result.data["action"]["state"] == "proposed"
    actions.cancel(user, result.data["action"]["id"])
    mine.refresh_from_db()
    assert mine.content == "5 mg"

    again = save(user, title="Bisoprolol", content="10 mg", importance="medium")
    action = actions.confirm(user, again.data["action"]["id"])
    mine.refresh_from_db()
    assert (mine.content, mine.importance) == ("10 mg", "medium")
    assert action.previous["content"] == "5 mg"
    # Undo restores the user's version.
    actions.undo(user, action.pk)
    mine.refresh_from_db()
    assert (mine.content, mine.importance, mine.created_by) == ("5 mg", "high", "user")


def test_its_own_entry_is_updated_at_once_keeping_the_previous_version(user):
    save(user, title="Metformin", content="500 mg", importance="high")
    second = save(user, title="metformin", content="1000 mg", importance="high")
    entry = MemoryEntry.objects.get(user=user)
    assert entry.content == "1000 mg" and second.data["action"]["state"] == "applied"
    actions.undo(user, second.data["action"]["id"])
    entry.refresh_from_db()
    assert entry.content == "500 mg"


def test_another_users_action_cannot_be_confirmed_cancelled_or_undone(user, other_user):
    result = save(user, title="Penicillin", category="allergy", importance="critical")
    for change in (actions.confirm, actions.cancel, actions.undo):
        with pytest.raises(AssistantAction.DoesNotExist):
            change(other_user, result.data["action"]["id"])
    assert AssistantAction.objects.get().state == "proposed"


def test_a_confirmation_that_can_no_longer_apply_fails_with_the_reason(user):
    mine = MemoryEntry.objects.create(user=user, title="Asthma", category="condition")
    result = save(user, title="Asthma", category="condition", content="mild")
    mine.delete()
    action = actions.confirm(user, result.data["action"]["id"])
    assert action.state == "failed" and "no longer exists" in action.error
    assert not MemoryEntry.objects.exists()


def test_document_summaries_and_old_chat_entries_know_their_author(user):
    from documents.models import Document

    document = Document.objects.create(user=user, filename="a.pdf", mime_type="application/pdf",
                                       sha256="a")
    entry = MemoryEntry.objects.create(user=user, title="Summary", source_document=document,
                                       category="document_summary")
    assert entry.created_by == "document"


def test_an_entry_edited_by_hand_becomes_the_users(signed_in_client, user):
    save(user, title="Metformin", content="500 mg", importance="high")
    entry = MemoryEntry.objects.get(user=user)
    signed_in_client.post(f"/memory/{entry.pk}/edit/", {
        "title": "Metformin", "category": "medication", "importance": "high",
        "content": "750 mg", "is_active": "on"})
    entry.refresh_from_db()
    assert (entry.content, entry.created_by) == ("750 mg", "user")
    result = save(user, title="Metformin", content="1000 mg", importance="high")
    assert result.data["action"]["state"] == "proposed"
