"""Server-rendered SVG geometry for one lab trend: the line, the reference band, ticks.

Only numeric values are drawn; a value reported as a limit ("<0.5") is drawn at the
limit as an open marker, never as a plain number. Coordinates are handed to the template
as strings: Django would otherwise localise the floats ("12,5" in Russian), which SVG
cannot read.
"""

from dataclasses import dataclass

from .trends import short_number

WIDTH, HEIGHT = 420, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


@dataclass
class Chart:
    width: int
    height: int
    line: str  # polyline points
    dots: list  # (x, y, point)
    band: tuple | None  # (x, y, width, height) of the reference range
    y_ticks: list  # (y, label)
    x_ticks: list  # (x, label date)
    plot: tuple  # (left, top, right, bottom)


def _label(value: float) -> str:
    return short_number(value)


def chart(series) -> Chart | None:
    points = series.numeric
    if not points:
        return None  # results in words only: the table says them
    values = [point.value for point in points]
    bounds = values + [value for value in (series.low, series.high) if value is not None]
    low, high = min(bounds), max(bounds)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.12
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value):
        return TOP + (high - value) / (high - low) * plot_h

    first, last = points[0].date, points[-1].date
    span = (last - first).days

    def x(date):
        if span == 0:
            return LEFT + plot_w / 2
        return LEFT + (date - first).days / span * plot_w

    dots = [(svg(x(point.date)), svg(y(point.value)), point) for point in points]
    band = None
    if series.low is not None or series.high is not None:
        top = y(series.high) if series.high is not None else TOP
        bottom = y(series.low) if series.low is not None else TOP + plot_h
        top, bottom = max(TOP, top), min(TOP + plot_h, bottom)
        if bottom > top:
            band = (svg(LEFT), svg(top), svg(plot_w), svg(bottom - top))
    ticks = [low + (high - low) * step / 4 for step in range(5)]
    x_ticks = [(svg(x(first)), first)]
    if span:
        x_ticks.append((svg(x(last)), last))
    return Chart(
        WIDTH, HEIGHT, " ".join(f"{px},{py}" for px, py, _ in dots), dots, band,
        [(svg(y(tick)), _label(tick)) for tick in ticks], x_ticks,
        (svg(LEFT), svg(TOP), svg(LEFT + plot_w), svg(TOP + plot_h)),
    )


def svg(value: float) -> str:
    return f"{value:.1f}"
