"""Vital signs: the canonical unit of each kind, the plausible range of its values, and
conversion to and from the units a user prefers to see (kg/lb, mmol/L–mg/dL, °C/°F)."""

from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from .models import HealthPreference, Vital

Kind = Vital.Kind

# kind → the unit values are stored in
CANONICAL = {
    Kind.BLOOD_PRESSURE: "mmHg", Kind.HEART_RATE: "bpm", Kind.WEIGHT: "kg",
    Kind.HEIGHT: "cm", Kind.TEMPERATURE: "°C", Kind.BLOOD_GLUCOSE: "mmol/L", Kind.SPO2: "%",
}
# kind → (lowest, highest) plausible value in the canonical unit
RANGES = {
    Kind.BLOOD_PRESSURE: (50, 260), Kind.HEART_RATE: (20, 250), Kind.WEIGHT: (1, 400),
    Kind.HEIGHT: (30, 250), Kind.TEMPERATURE: (30, 45), Kind.BLOOD_GLUCOSE: (0.5, 40),
    Kind.SPO2: (50, 100),
}
DIASTOLIC_RANGE = (30, 160)
# kind → (low, high) of the usual healthy adult range, shaded on charts
NORMAL = {
    Kind.BLOOD_PRESSURE: (60, 130), Kind.HEART_RATE: (60, 100), Kind.TEMPERATURE: (36.1, 37.2),
    Kind.BLOOD_GLUCOSE: (3.9, 7.8), Kind.SPO2: (95, 100),
}
GLUCOSE_FACTOR = 18.016  # mg/dL per mmol/L
POUND = 0.45359237  # kg


def display_unit(kind: str, preference: HealthPreference) -> str:
    if kind == Kind.WEIGHT:
        return preference.weight_unit
    if kind == Kind.BLOOD_GLUCOSE:
        return preference.glucose_unit
    if kind == Kind.TEMPERATURE:
        return preference.temperature_unit
    return CANONICAL[kind]


def to_canonical(kind: str, value: float, unit: str) -> float:
    if unit == CANONICAL.get(kind):
        return value
    if kind == Kind.WEIGHT and unit == "lb":
        return value * POUND
    if kind == Kind.BLOOD_GLUCOSE and unit == "mg/dL":
        return value / GLUCOSE_FACTOR
    if kind == Kind.TEMPERATURE and unit == "°F":
        return (value - 32) * 5 / 9
    raise ValueError(f"No conversion from {unit} for {kind}")


def from_canonical(kind: str, value: float, unit: str) -> float:
    if unit == CANONICAL.get(kind):
        return value
    if kind == Kind.WEIGHT and unit == "lb":
        return value / POUND
    if kind == Kind.BLOOD_GLUCOSE and unit == "mg/dL":
        return value * GLUCOSE_FACTOR
    if kind == Kind.TEMPERATURE and unit == "°F":
        return value * 9 / 5 + 32
    raise ValueError(f"No conversion to {unit} for {kind}")


def decimals(kind: str, unit: str) -> int:
    if kind in (Kind.BLOOD_PRESSURE, Kind.HEART_RATE, Kind.SPO2, Kind.HEIGHT) or unit == "mg/dL":
        return 0
    return 1


def shown(kind: str, value: float, unit: str) -> float:
    converted = from_canonical(kind, value, unit)
    places = decimals(kind, unit)
    return round(converted, places) if places else round(converted)


def range_error(kind: str, value: float, value2: float | None,
                unit: str) -> tuple[str, str] | None:
    """(field, message naming the allowed range in the unit the user typed), or None."""
    low, high = RANGES[kind]
    if not (low <= to_canonical(kind, value, unit) <= high):
        low_shown, high_shown = shown(kind, low, unit), shown(kind, high, unit)
        if kind == Kind.BLOOD_PRESSURE:
            return "value", str(_("Systolic pressure must be between %(low)s and %(high)s mmHg.")
                                % {"low": low_shown, "high": high_shown})
        return "value", str(_("%(kind)s must be between %(low)s and %(high)s %(unit)s.") % {
            "kind": Vital.Kind(kind).label, "low": low_shown, "high": high_shown, "unit": unit})
    if kind == Kind.BLOOD_PRESSURE:
        if value2 is None:
            return "value2", str(_("Give both numbers: systolic and diastolic."))
        low, high = DIASTOLIC_RANGE
        if not (low <= value2 <= high):
            return "value2", str(_("Diastolic pressure must be between %(low)s and %(high)s mmHg.")
                                 % {"low": low, "high": high})
        if value2 >= value:
            return "value2", str(
                _("The diastolic (lower) number must be below the systolic (upper) one."))
    return None


@dataclass
class Reading:
    """A vital as the user wants to see it."""

    vital: Vital
    value: float
    value2: float | None
    unit: str

    @property
    def text(self) -> str:
        from django.utils.formats import number_format

        places = decimals(self.vital.kind, self.unit)
        first = number_format(self.value, places)
        if self.value2 is not None:
            return f"{first}/{number_format(self.value2, 0)}"
        return first


def reading(vital: Vital, preference: HealthPreference) -> Reading:
    unit = display_unit(vital.kind, preference)
    return Reading(vital, shown(vital.kind, vital.value, unit),
                   round(vital.value2) if vital.value2 is not None else None, unit)


def latest(user, preference=None) -> list[Reading]:
    """The newest reading of each kind, in the kind order of the model."""
    preference = preference or HealthPreference.for_user(user)
    newest = (Vital.objects.for_user(user)
              .annotate(place=Window(RowNumber(), partition_by=F("kind"),
                                     order_by=[F("measured_at").desc(), F("pk").desc()]))
              .filter(place=1))  # one query, not one per kind
    order = {kind: index for index, kind in enumerate(Kind.values)}
    return [reading(vital, preference)
            for vital in sorted(newest, key=lambda vital: order.get(vital.kind, len(order)))]
