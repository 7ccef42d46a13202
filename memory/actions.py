"""The assistant's writes to memory, as actions (chats.actions): save with Undo.

The assistant may add entries and change the ones it wrote itself at once; an entry of
importance `critical` (it enters every later prompt) and any change to an entry the user
or a document wrote wait for the user's confirmation. Nothing is overwritten without the
previous version kept in the action for Undo.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chats import actions

from .models import MemoryEntry

SAVE = "memory.save"


def existing_entry(user, title: str, category: str) -> MemoryEntry | None:
    """The active entry the same fact would update: same title (any case) and category."""
    return MemoryEntry.objects.for_user(user).filter(
        title__iexact=title, category=category, is_active=True
    ).first()


def needs_confirmation(importance: str, entry: MemoryEntry | None) -> bool:
    if importance == MemoryEntry.Importance.CRITICAL:
        return True
    if entry is None:
        return False
    return (entry.created_by != MemoryEntry.Author.ASSISTANT
            or entry.importance == MemoryEntry.Importance.CRITICAL)


def apply_save(action) -> None:
    payload = action.payload
    entries = MemoryEntry.objects.for_user(action.user)
    entry = None
    if payload.get("entry"):
        entry = entries.filter(pk=payload["entry"]).first()
        if entry is None:
            raise ValidationError(_("The memory entry no longer exists."))
    if entry is None:
        entry = existing_entry(action.user, payload["title"], payload["category"])
    if entry is None:
        entry = MemoryEntry(user=action.user, title=payload["title"],
                            category=payload["category"],
                            created_by=MemoryEntry.Author.ASSISTANT)
        action.previous = None
    else:
        action.previous = entry.snapshot()
    entry.content = payload.get("content", "")
    entry.importance = payload["importance"]
    entry.is_active = True
    if action.chat_id and entry.source_chat_id is None:
        entry.source_chat_id = action.chat_id
    entry.save()
    actions.set_target(action, entry)


def undo_save(action) -> None:
    entry = MemoryEntry.objects.for_user(action.user).filter(pk=action.target_id).first()
    if entry is None:
        return  # deleted since: nothing left to undo
    if action.previous is None:
        entry.delete()
        return
    for name, value in action.previous.items():
        setattr(entry, name, value)
    entry.save()


def register() -> None:
    actions.register(SAVE, apply=apply_save, undo=undo_save, label=gettext_lazy("Memory"))
