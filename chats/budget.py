"""The monthly token budget of each user: the runtime default, or the user's own.

Usage is what chats/llm.py records in TokenUsage, summed over the calendar month (every
kind of token: input, output, cache writes and reads). The chat, document extraction and
the daily review check `is_reached` before calling the model.
"""

import datetime
from dataclasses import dataclass, field

from constance import config
from django.db.models import F, Sum
from django.utils import timezone

from .models import TokenUsage


def budget_of(user) -> int:
    """Tokens per calendar month; 0 means unlimited."""
    own = getattr(user, "monthly_token_budget", None)
    return int(own if own is not None else config.monthly_token_budget or 0)


def month_start(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()).replace(day=1)


def _tokens():
    return (F("input_tokens") + F("output_tokens") + F("cache_read_tokens")
            + F("cache_creation_tokens"))


def used_by_source(user, today: datetime.date | None = None) -> dict[str, int]:
    rows = (TokenUsage.objects.for_user(user).filter(day__gte=month_start(today))
            .values("source").annotate(tokens=Sum(_tokens())))
    return {row["source"]: int(row["tokens"] or 0) for row in rows}


def used_this_month(user, today: datetime.date | None = None) -> int:
    total = (TokenUsage.objects.for_user(user).filter(day__gte=month_start(today))
             .aggregate(tokens=Sum(_tokens()))["tokens"])
    return int(total or 0)


def is_reached(user) -> bool:
    budget = budget_of(user)
    return budget > 0 and used_this_month(user) >= budget


@dataclass
class Usage:
    """What the usage page shows: this month's tokens by source, the budget, what's left."""

    month: datetime.date
    by_source: list[tuple[str, int]] = field(default_factory=list)
    used: int = 0
    budget: int = 0

    @property
    def unlimited(self) -> bool:
        return self.budget <= 0

    @property
    def left(self) -> int:
        return max(self.budget - self.used, 0)

    @property
    def percent(self) -> int:
        return 0 if self.unlimited else min(100, round(100 * self.used / self.budget))

    @property
    def reached(self) -> bool:
        return not self.unlimited and self.used >= self.budget


def usage(user) -> Usage:
    by_source = used_by_source(user)
    labels = dict(TokenUsage.Source.choices)
    rows = [(str(labels.get(source, source)), tokens)
            for source, tokens in sorted(by_source.items(), key=lambda item: -item[1])]
    return Usage(month=month_start(), by_source=rows, used=sum(by_source.values()),
                 budget=budget_of(user))
