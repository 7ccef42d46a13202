"""django-q2 entry points, run by the schedule created in migration 0003. Tiny on purpose."""

from . import doses, medications, stock

SWEEP_SCHEDULE = "memory: sweep doses"


def sweep_doses() -> int:
    """Every few minutes: finished courses stop reminding; unanswered doses become missed;
    a stock running low is told once."""
    medications.finish_ended_courses()
    stock.warn_low()
    return sum(len(events) for events in doses.sweep().values())
