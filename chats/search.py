"""Finding chats by their title or by the text of their messages, and showing where."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.text_match import UnicodeLower, folded

from .models import Message

SNIPPET_CONTEXT = 60  # characters shown on each side of the match


def matching(chats: QuerySet, query: str) -> QuerySet:
    """The chats (already scoped to their owner) whose title or any user or assistant
    message of the active path contains `query`, case-insensitively in every alphabet (a
    branch the user left is not searched: a hit there could not be shown where it
    points, and the chat's own page would not show it). One query however
    many chats match: the message test is a correlated EXISTS, not a join that would
    repeat chats; the newest matching message of each rides along (`hit_id`,
    `hit_content`) so the list can show it and open the chat there."""
    needle = folded(query)
    in_messages = (
        Message.objects.on_path().filter(chat=OuterRef("pk"),
                               role__in=[Message.Role.USER, Message.Role.ASSISTANT])
        .alias(folded_content=UnicodeLower("content"))
        .filter(folded_content__contains=needle)
        .order_by("-created")
    )
    return (
        chats.alias(folded_title=UnicodeLower("title"))
        .filter(Q(folded_title__contains=needle) | Exists(in_messages))
        .annotate(hit_id=Subquery(in_messages.values("pk")[:1]),
                  hit_content=Subquery(in_messages.values("content")[:1]))
    )


@dataclass(frozen=True)
class Hit:
    message_id: str
    snippet_html: SafeString


def hit(chat, query: str) -> Hit | None:
    """Where `query` stands in the chat's newest matching message: a short excerpt with
    the match marked (escaped first; only our own <mark> is added)."""
    content = getattr(chat, "hit_content", None)
    if not content:
        return None
    start = folded(content).find(folded(query))
    if start < 0:  # lower() changed the length (a rare letter): show the opening
        start, length = 0, 0
    else:
        length = len(query)
    left = max(0, start - SNIPPET_CONTEXT)
    right = min(len(content), start + length + SNIPPET_CONTEXT)
    html = "".join([
        "…" if left else "",
        escape(content[left:start]),
        f"<mark>{escape(content[start:start + length])}</mark>" if length else "",
        escape(content[start + length:right]),
        "…" if right < len(content) else "",
    ])
    return Hit(str(chat.hit_id), mark_safe(" ".join(html.split())))  # noqa: S308
