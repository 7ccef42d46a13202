"""What the model is given for a turn, laid out so that prompt caching pays.

`system` holds only what stays the same from one message to the next, in the order of
SPEC §6: 1 primary context, 2 personal context, 3 the chat's skill, 4 critical and high
memory (and any other provider placed in the system), then the guidance and the session
facts to the day (language, timezone, today's date — no clock). Its last block carries
the first cache breakpoint.

`messages`: 6 the history, trimmed to a token budget (oldest out first), with the second
breakpoint on its last message; then 7 the current user turn, whose content is a list:
the data blocks made for this message (5: document excerpts, the values of an analyte it
names, memory relevant to it — each a labelled `<data>` block, see untrusted.py), a line
with the local time to the minute, and the user's own text last. Everything that changes
per message is after the history's breakpoint, so turn after turn the system prompt and
the history are read from the cache and only the new exchange is written.

Steps 1-3 are the prompt layers of the skills app (a lower layer chats builds on); the
rest come from the memory and documents apps, which register them as context providers
(providers.py) in their AppConfig.ready(), as chats does for the layers: chats imports
neither.
"""

import logging
from dataclasses import dataclass, field

from django.utils import timezone, translation

from skills.context import layers

from .. import sources as answer_sources
from ..models import Message
from . import context_cache, providers, reading, untrusted
from .providers import SYSTEM, TURN
from .providers import block as _block

logger = logging.getLogger(__name__)

HISTORY_TOKEN_BUDGET = 30_000
HISTORY_MAX_ROWS = 200  # never read more rows than could fit, however long the chat is
CACHE = {"type": "ephemeral"}

GUIDANCE = (
    "You are Anamnesis, a careful personal health assistant. You are not a doctor: explain "
    "clearly, say when something needs a clinician, and never invent facts about the user. "
    "When the user tells you a lasting health fact (a condition, a medication and dose, an "
    "allergy, a vital sign), save it with the save_memory tool. Answer in Markdown.\n\n"
    + untrusted.DATA_RULE
)


@dataclass
class TurnContext:
    system: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    trimmed: int = 0  # history messages left out to fit the budget
    sources: list = field(default_factory=list)  # documents the turn's data came from


def estimate_tokens(text: str) -> int:
    # A rough count (≈4 characters a token) avoids a network round trip per turn; local
    # Anthropic-compatible servers often lack count_tokens anyway.
    return len(text) // 4 + 4


def session_block(user) -> dict:
    """The guidance and the session facts to the day: the same all day long, so it can
    sit in the cached prefix (the clock to the minute is in the user turn instead)."""
    zone = user.zone
    tz_name, now = zone.key, timezone.now().astimezone(zone)
    language = user.model_language
    return _block("This conversation", (
        f"{GUIDANCE}\n\nReply in {language} unless the user writes in another language. "
        f"The user's timezone is {tz_name}; today is {now:%A, %Y-%m-%d}. Each message of "
        f"the user begins with the data found for it, if any, and the local time when it "
        f"was sent."
    ))


def clock_block(user) -> dict:
    now = timezone.now().astimezone(user.zone)
    return {"type": "text", "text": f"(Local time: {now:%A, %Y-%m-%d %H:%M}, {user.zone.key})"}


def layer_blocks(user, chat, current: str) -> list[dict]:
    """Steps 1-3: the primary and personal context files and the chat's skill."""
    blocks = []
    primary, personal = layers(user)
    if primary and primary.content.strip():
        blocks.append(_block("Primary context (from the administrator)", primary.content))
    if personal and personal.content.strip():
        blocks.append(_block("Personal context (written by the user)", personal.content))
    if chat.skill_id and chat.skill:
        with translation.override(user.language_code):
            blocks.append(_block(f"Skill: {chat.skill.name}", chat.skill.system_prompt))
    return blocks


def system_blocks(user, chat, current: str) -> list[dict]:
    """Steps 1-4 and the session facts; the last block carries the cache breakpoint.
    Providers with `sources` are read from context_cache while their sources are
    unchanged: the same blocks, byte for byte."""
    blocks, versions = [], None
    for provider in providers.all_providers():
        if provider.placement != SYSTEM:
            continue
        if provider.sources is None:
            blocks.extend(provider.blocks(user, chat, current))
            continue
        if versions is None:
            versions = context_cache.versions(user)
        blocks.extend(context_cache.blocks(provider, user, chat, current, versions))
    blocks.append(session_block(user))
    blocks[-1] = {**blocks[-1], "cache_control": CACHE}
    return blocks


def turn_data_blocks(user, chat, current: str) -> answer_sources.Blocks:
    """Step 5: the data blocks made for this message, with the documents they name.
    Retrieval helps the answer but is not a condition for it: a provider that fails is
    logged and left out."""
    blocks = answer_sources.Blocks()
    for provider in providers.all_providers():
        if provider.placement != TURN:
            continue
        try:
            made = provider.blocks(user, chat, current)
            blocks.extend(made)
            blocks.sources.extend(answer_sources.of(made))
        except Exception:
            logger.exception("context provider %s failed", provider.name)
    return blocks


def current_turn(user, chat, current: str, data: list[dict] | None = None) -> dict:
    """Step 7: the data for the message, the local time, then the user's own words."""
    if data is None:
        data = turn_data_blocks(user, chat, current)
    content = [*data, clock_block(user)]
    if current.strip():
        content.append({"type": "text", "text": current})
    return {"role": "user", "content": content}


def history_rows(chat, before_message) -> list[tuple[str, str, dict]]:
    """(role, content, metadata) of the latest messages before the current one, newest
    first: of the active path only, never of a branch the user left (chats/branches.py)."""
    return list(
        Message.objects.on_path().filter(chat=chat, role__in=["user", "assistant"],
                               created__lt=before_message.created)
        .exclude(pk=before_message.pk)
        .order_by("-created")
        .values_list("role", "content", "metadata")[:HISTORY_MAX_ROWS]
    )


def as_api_text(content: str, metadata: dict | None) -> str:
    """A past message as plain text; its tool calls become one-line notes."""
    notes = [reading.as_note(item) for item in (metadata or {}).get("attachments") or []
             if isinstance(item, dict)]
    notes += [f"[used tool {p.get('name')}: {p.get('summary', '')}]"
              for p in (metadata or {}).get("parts", []) if p.get("type") == "tool"]
    if notes:
        return "\n".join(notes) + ("\n\n" + content if content else "")
    return content


def history_messages(rows_newest_first, budget: int) -> tuple[list[dict], int]:
    kept, used, replayable = [], 0, 0
    for role, content, metadata in rows_newest_first:
        text = as_api_text(content, metadata)
        if not text.strip():
            continue  # an answer that failed before any text: nothing to replay
        replayable += 1
        cost = estimate_tokens(text)
        if used + cost > budget or len(kept) < replayable - 1:
            continue  # over budget: this and every older message stay out
        kept.append({"role": role, "content": text})
        used += cost
    kept.reverse()
    while kept and kept[0]["role"] != "user":  # the conversation must open with the user
        kept.pop(0)
    return kept, replayable - len(kept)


def build(user, chat, current_message: Message, budget: int = HISTORY_TOKEN_BUDGET) -> TurnContext:
    current = current_message.content
    history, trimmed = history_messages(history_rows(chat, current_message), budget)
    if history:
        last = history[-1]
        history[-1] = {"role": last["role"], "content": [
            {"type": "text", "text": last["content"], "cache_control": CACHE}]}
    data = turn_data_blocks(user, chat, current)
    messages = [*history, current_turn(user, chat, current, data)]
    return TurnContext(system=system_blocks(user, chat, current), messages=messages,
                       trimmed=trimmed, sources=answer_sources.owned(user, data.sources))
