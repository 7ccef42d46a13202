"""What the assistant is told from memory every turn: the critical and high entries, and
the health record's active medications and latest vitals (without adherence figures,
which change with every dose and would spoil the prompt cache of this stable block)."""

from django.utils import translation

from chats.assistant.providers import block

from .health_summary import summary_text
from .models import MemoryEntry

MEMORY_LIMIT = 100


def memory_blocks(user, chat, current: str) -> list[dict]:
    labels = dict(MemoryEntry.Category.choices)
    entries = (
        MemoryEntry.objects.for_user(user)
        .filter(is_active=True, importance__in=["critical", "high"])
        .order_by("importance", "category", "title")
        .values_list("importance", "category", "title", "content")[:MEMORY_LIMIT]
    )
    lines = [f"- [{importance}] {labels.get(category, category)}: {title}"
             + (f" — {content}" if content else "")
             for importance, category, title, content in entries]
    blocks = []
    if lines:
        blocks.append(block("What you remember about the user (critical and high importance)",
                            "\n".join(lines)))
    with translation.override("en"):  # the model reads English labels
        record = summary_text(user, with_adherence=False)
    if record:
        blocks.append(block("The user's health record (medications they take, latest vitals)",
                            record))
    return blocks
