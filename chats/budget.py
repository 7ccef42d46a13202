"""The monthly token budget of each user: the runtime default, or the user's own.

Usage is what chats/llm.py records in TokenUsage, summed over the calendar month, in
input-token equivalents weighted as the API prices them: input and output tokens count
whole, cache writes 1.25 each, cache reads a tenth. (Most of a chat's input is read from
the prompt cache — about 88% over ten turns — so counting reads whole would spend a budget
about five times faster than its cost.) The chat, document extraction and the daily
review check `is_reached` before calling the model.
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


CACHE_READ_WEIGHT = 0.1
CACHE_WRITE_WEIGHT = 1.25


def _sums():
    return {"plain": Sum(F("input_tokens") + F("output_tokens")),
            "read": Sum("cache_read_tokens"), "written": Sum("cache_creation_tokens")}


def _weighted(row: dict) -> int:
    return round((row["plain"] or 0) + CACHE_READ_WEIGHT * (row["read"] or 0)
                 + CACHE_WRITE_WEIGHT * (row["written"] or 0))


def used_by_source(user, today: datetime.date | None = None) -> dict[str, int]:
    rows = (TokenUsage.objects.for_user(user).filter(day__gte=month_start(today))
            .values("source").annotate(**_sums()))
    return {row["source"]: _weighted(row) for row in rows}


def used_this_month(user, today: datetime.date | None = None) -> int:
    return _weighted(TokenUsage.objects.for_user(user).filter(day__gte=month_start(today))
                     .aggregate(**_sums()))


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
