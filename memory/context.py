"""What the assistant is told from memory: the critical and high entries and the health
record's active medications and latest vitals in every turn's system prompt (stable,
cached; without adherence figures, which change with every dose and would spoil the
cache), and the other entries relevant to the current message as a data block of the
user turn.

Only entries the user wrote are told as the user's own words; those the assistant, a
document or the daily review wrote reach the system prompt as a labelled data block,
never as instructions (issue 22: a line a document planted in memory must not steer
later chats)."""

from django.utils import translation

from chats.assistant.providers import block
from chats.assistant.untrusted import data_block, data_text
from chats.sources import Blocks, Source

from . import search
from .clinical import active_lines
from .health_summary import summary_text
from .models import Allergy, Condition, HealthPreference, Medication, MemoryEntry, Vital

MEMORY_LIMIT = 100
RELEVANT_LIMIT = 8
ALWAYS = ("critical", "high")  # in the system prompt of every turn
# What memory_blocks reads (with the user): saving or deleting one of these rows gives the
# user's stable context a new version (chats/assistant/context_cache.py).
SOURCES = (MemoryEntry, Medication, Vital, HealthPreference, Condition, Allergy)


def _line(labels, importance, category, title, content) -> str:
    return (f"- [{importance}] {labels.get(category, category)}: {title}"
            + (f" — {content}" if content else ""))


def memory_blocks(user, chat, current: str) -> list[dict]:
    labels = dict(MemoryEntry.Category.choices)
    entries = (
        MemoryEntry.objects.for_user(user)
        .filter(is_active=True, importance__in=ALWAYS)
        .order_by("importance", "category", "title")
        .values_list("created_by", "importance", "category", "title", "content")[:MEMORY_LIMIT]
    )
    by_user, by_others = [], []
    for author, *entry in entries:
        (by_user if author == MemoryEntry.Author.USER else by_others).append(
            _line(labels, *entry))
    blocks = []
    if by_user:
        blocks.append(block("What the user told you to remember (critical and high importance)",
                            "\n".join(by_user)))
    if by_others:
        blocks.append({"type": "text", "text": data_text(
            "memory", "Notes saved by the assistant or from documents (critical and high "
            "importance)", "\n".join(by_others))})
    with translation.override("en"):  # the model reads English labels
        record = summary_text(user, with_adherence=False)
    if record:
        blocks.append(block("The user's health record (medications they take, latest vitals)",
                            record))
    # Names may come from imported files or documents: data with their source, not words
    # of the user.
    clinical = active_lines(user)
    if clinical:
        blocks.append({"type": "text", "text": data_text(
            "health-record", "Active conditions and allergies in the health record, each "
            "with its source", "\n".join(clinical))})
    return blocks


def relevant_memory_blocks(user, chat, current: str) -> Blocks:
    """Entries of medium and low importance that the message is about (the critical and
    high ones are in the system prompt already), with the documents they were written
    from."""
    hits = search.relevant(user, current, limit=RELEVANT_LIMIT, exclude_importance=ALWAYS)
    if not hits:
        return []
    labels = dict(MemoryEntry.Category.choices)
    lines = [_line(labels, hit.importance, hit.category, hit.title, hit.content[:1000])
             for hit in hits]
    return Blocks([data_block("memory", "Memory entries relevant to this message",
                              "\n".join(lines))], _document_sources(user, hits))


def _document_sources(user, hits) -> list[Source]:
    ids = list(dict.fromkeys(hit.source_document_id for hit in hits if hit.source_document_id))
    if not ids:
        return []
    names = dict(MemoryEntry.objects.for_user(user).filter(source_document_id__in=ids)
                 .values_list("source_document_id", "source_document__filename"))
    return [Source(str(pk), names[pk]) for pk in ids if names.get(pk)]
