"""Server-rendered SVG geometry for the health record's charts: vitals over time (two lines
for blood pressure, the usual range shaded) and adherence per day. The trends page of
the documents app (/memory/trends/) draws them with memory/health_charts.html.

Coordinates are strings: Django would otherwise localise floats ("12,5" in Russian).
Colours are theme classes chosen in the template, so both themes read well.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import formats, timezone

from . import vitals
from .adherence import adherence
from .models import HealthPreference, Vital

WIDTH, HEIGHT = 420, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28
VITALS_SINCE = timedelta(days=365)
MAX_POINTS = 120


def svg(value: float) -> str:
    return f"{value:.1f}"


def short_number(value: float) -> str:
    """Three significant digits in the reader's own notation (5.2, or 5,2 in Russian)."""
    rounded = float(f"{value:.3g}") if abs(value) < 1000 else round(value)
    if rounded == int(rounded):
        rounded = int(rounded)
    return formats.number_format(rounded, use_l10n=True)


@dataclass
class Dot:
    x: str
    y: str
    vital: Vital
    label: str  # the value as the user reads it
    out_of_range: bool = False


@dataclass
class Line:
    name: str
    points: str
    dots: list[Dot] = field(default_factory=list)


@dataclass
class VitalChart:
    kind: str
    label: str
    unit: str
    lines: list[Line]
    band: tuple | None
    band_label: str
    y_ticks: list
    x_ticks: list
    count: int
    width: int = WIDTH
    height: int = HEIGHT
    plot: tuple = (svg(LEFT), svg(TOP), svg(WIDTH - RIGHT), svg(HEIGHT - BOTTOM))


def _scale(values, band):
    bounds = list(values) + [value for value in band if value is not None]
    low, high = min(bounds), max(bounds)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.12
    return low - pad, high + pad


def vital_chart(kind: str, readings: list[Vital], unit: str) -> VitalChart:
    """One kind's readings (oldest first) in `unit`."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first = [vitals.shown(kind, vital.value, unit) for vital in readings]
    second = [vital.value2 for vital in readings if vital.value2 is not None]
    normal = vitals.NORMAL.get(kind)
    band = tuple(vitals.shown(kind, value, unit) for value in normal) if normal else (None, None)
    low, high = _scale(first + second, band)
    start, end = readings[0].measured_at, readings[-1].measured_at
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        if span == 0:
            return LEFT + plot_w / 2
        return LEFT + (moment - start).total_seconds() / span * plot_w

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_h

    def outside(value: float) -> bool:
        return normal is not None and not (band[0] <= value <= band[1])

    upper = Line("value", "", [])
    lower = Line("value2", "", [])
    for vital, value in zip(readings, first, strict=True):
        label = short_number(value)
        if vital.value2 is not None:
            label = f"{short_number(value)}/{short_number(vital.value2)}"
        upper.dots.append(Dot(svg(x(vital.measured_at)), svg(y(value)), vital, label,
                              outside(value)))
        if vital.value2 is not None:
            lower.dots.append(Dot(svg(x(vital.measured_at)), svg(y(vital.value2)), vital, label,
                                  vital.value2 < 40 or vital.value2 > 90))
    lines = [line for line in (upper, lower) if line.dots]
    for line in lines:
        line.points = " ".join(f"{dot.x},{dot.y}" for dot in line.dots)
    shaded = None
    if normal:
        top, bottom = max(TOP, y(band[1])), min(TOP + plot_h, y(band[0]))
        if bottom > top:
            shaded = (svg(LEFT), svg(top), svg(plot_w), svg(bottom - top))
    ticks = [low + (high - low) * step / 4 for step in range(5)]
    x_ticks = [(svg(x(start)), timezone.localtime(start).date())]
    if span:
        x_ticks.append((svg(x(end)), timezone.localtime(end).date()))
    return VitalChart(
        kind, str(Vital.Kind(kind).label), unit, lines, shaded,
        f"{short_number(band[0])}–{short_number(band[1])}" if normal else "",
        [(svg(y(tick)), short_number(tick)) for tick in ticks], x_ticks, len(readings),
    )


def vital_charts(user, now: datetime | None = None) -> list[VitalChart]:
    """A chart for each kind of vital measured in the last year, in the user's units."""
    now = now or timezone.now()
    preference = HealthPreference.for_user(user)
    recent = Vital.objects.for_user(user).filter(measured_at__gte=now - VITALS_SINCE)
    charts = []
    for kind in Vital.Kind.values:
        readings = list(recent.filter(kind=kind).order_by("-measured_at")[:MAX_POINTS])
        if readings:
            readings.reverse()
            charts.append(vital_chart(kind, readings, vitals.display_unit(kind, preference)))
    return charts


@dataclass
class Bar:
    x: str
    y: str
    height: str
    day: object
    percent: int | None


@dataclass
class AdherenceChart:
    medication: object
    percent: int | None
    bars: list[Bar]
    bar_width: str
    y_ticks: list
    x_ticks: list
    width: int = WIDTH
    height: int = 160
    plot: tuple = ()


def adherence_chart(medication, days: int = 30, now=None) -> AdherenceChart:
    """Per day: the share of that day's doses taken (no bar where nothing was due)."""
    height, top, bottom = 160, 12, 28
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - top - bottom
    result = adherence(medication, days=days, now=now)
    slot = plot_w / days
    bars = []
    for index, day in enumerate(result.days):
        answered = [state for state in day.states if state != "open"]
        percent = round(100 * day.taken / len(answered)) if answered else None
        bar_h = plot_h * (percent or 0) / 100
        bars.append(Bar(svg(LEFT + index * slot + slot * 0.15), svg(top + plot_h - bar_h),
                        svg(max(bar_h, 0)), day, percent))
    return AdherenceChart(
        medication, result.percent, bars, svg(slot * 0.7),
        [(svg(top + plot_h * (1 - share)), f"{int(share * 100)}%") for share in (0, 0.5, 1)],
        [(svg(LEFT), result.days[0].date), (svg(WIDTH - RIGHT), result.days[-1].date)],
        plot=(svg(LEFT), svg(top), svg(WIDTH - RIGHT), svg(top + plot_h)),
    )


def adherence_charts(user, now=None) -> list[AdherenceChart]:
    from .models import Medication

    scheduled = (Medication.objects.for_user(user).filter(is_active=True)
                 .exclude(schedule=Medication.Schedule.AS_NEEDED).select_related("user"))
    return [adherence_chart(medication, now=now) for medication in scheduled]
