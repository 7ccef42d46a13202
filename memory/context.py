"""What the assistant is told from memory every turn: the critical and high entries."""

from chats.assistant.providers import block

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
    if not lines:
        return []
    return [block("What you remember about the user (critical and high importance)",
                  "\n".join(lines))]
