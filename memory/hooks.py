"""How the apps above memory learn about the health record (docs/architecture.md: a lower
layer knows a higher one only through a registry filled in the higher app's ready()).

notifications keeps a medication's reminders in step with its schedule and nudges about
missed doses and a stock running low; documents adds its documents and lab results to the
timeline.
"""

from collections.abc import Callable

# medication -> None: the schedule, active flag or dates changed (or it is about to go)
medication_changed: list[Callable] = []
# (user, [DoseEvent]) -> None: the sweep has just marked these doses missed
doses_missed: list[Callable] = []
# (user, since) -> iterable of (kind, timeline.Event): more events for the timeline
timeline_sources: list[Callable] = []
# (medication, stock.Stock) -> None: the medication runs out within its warning days
medication_stock_low: list[Callable] = []


def changed(medication) -> None:
    for listener in medication_changed:
        listener(medication)


def missed(user, events) -> None:
    for listener in doses_missed:
        listener(user, events)


def stock_low(medication, current) -> None:
    for listener in medication_stock_low:
        listener(medication, current)


def listen(registry: list, listener: Callable) -> None:
    """Adds a listener once (an app's ready() may run more than once in tests)."""
    if listener not in registry:
        registry.append(listener)
