"""Stock and refills: how many units of a medication are left, when they run out, and
the one warning before they do.

What is left is never stored: it is the count the user gave less the doses taken since
(units per dose each), so an answer from any door (page, reminder, email, Telegram)
counts at once and a corrected answer corrects the stock too.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.locale import zone_of

from . import hooks
from .dose_schedule import dose_times
from .models import DoseEvent, Medication

AVERAGE_OVER = timedelta(days=30)  # as-needed use: the taken doses of the last 30 days


@dataclass(frozen=True)
class Stock:
    left: Decimal
    per_day: Decimal | None  # units a day; None when nothing says (as needed, never taken)
    runs_out: date | None
    days_left: int | None
    warning_days: int

    @property
    def is_low(self) -> bool:
        return self.left <= 0 or (self.days_left is not None
                                  and self.days_left <= self.warning_days)


def stock(medication: Medication, now: datetime | None = None) -> Stock | None:
    """The medication's stock now, or None when the user has not counted it."""
    if medication.stock is None or medication.stock_counted_at is None:
        return None
    now = now or timezone.now()
    taken = DoseEvent.objects.filter(
        medication=medication, state=DoseEvent.State.TAKEN,
        scheduled_for__gte=medication.stock_counted_at).count()
    left = max(Decimal(0), medication.stock - taken * medication.units_per_dose)
    per_day = _units_per_day(medication, now)
    days_left = int(left / per_day) if per_day else None
    today = now.astimezone(zone_of(medication.user)).date()
    return Stock(left=left, per_day=per_day,
                 runs_out=today + timedelta(days=days_left) if days_left is not None else None,
                 days_left=days_left, warning_days=medication.refill_warning_days)


def _units_per_day(medication: Medication, now: datetime) -> Decimal | None:
    if medication.is_scheduled:  # the schedule of the coming week
        doses = len(dose_times(medication, now, now + timedelta(days=7)))
        if doses:
            return Decimal(doses) / 7 * medication.units_per_dose
        return None
    taken = DoseEvent.objects.filter(medication=medication, state=DoseEvent.State.TAKEN,
                                     scheduled_for__gte=now - AVERAGE_OVER).count()
    return Decimal(taken) / AVERAGE_OVER.days * medication.units_per_dose if taken else None


def count(medication: Medication, on_hand: Decimal, units_per_dose: Decimal,
          warning_days: int, now: datetime | None = None) -> Medication:
    """The user counted what is on hand (a new pack, or a recount): a new starting point,
    and a new warning may be sent when it runs low again."""
    medication.stock, medication.stock_counted_at = on_hand, now or timezone.now()
    medication.units_per_dose, medication.refill_warning_days = units_per_dose, warning_days
    medication.refill_warned_at = None
    medication.save(update_fields=["stock", "stock_counted_at", "units_per_dose",
                                   "refill_warning_days", "refill_warned_at", "updated"])
    return medication


def warn_low(now: datetime | None = None) -> int:
    """Once per count: tells the user (memory.hooks.stock_low) of each active medication
    whose stock runs out within its warning days. Returns how many were told."""
    now = now or timezone.now()
    told = 0
    counted = (Medication.objects.filter(is_active=True, stock__isnull=False,
                                         refill_warned_at__isnull=True)
               .select_related("user"))
    for medication in counted:
        current = stock(medication, now)
        if current is None or not current.is_low:
            continue
        updated = Medication.objects.filter(pk=medication.pk, refill_warned_at__isnull=True) \
            .update(refill_warned_at=now)
        if updated:  # another worker's pass did not tell first
            hooks.stock_low(medication, current)
            told += 1
    return told
