"""Finding chats by their title or by the text of their messages."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Message


def matching(chats: QuerySet, query: str) -> QuerySet:
    """The chats (already scoped to their owner) whose title or any user or assistant
    message contains `query`, case-insensitively. One query however many chats match:
    the message test is a correlated EXISTS, not a join that would repeat chats."""
    in_messages = Message.objects.filter(
        chat=OuterRef("pk"), role__in=[Message.Role.USER, Message.Role.ASSISTANT],
        content__icontains=query,
    )
    return chats.filter(Q(title__icontains=query) | Exists(in_messages))
