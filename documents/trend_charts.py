"""Server-rendered SVG geometry for one lab trend: the line, the reference band, ticks."""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 14, 30


@dataclass
class Chart:
    width: int
    height: int
    line: str  # polyline points
    dots: list  # (x, y, point)
    band: tuple | None  # (x, y, width, height) of the reference range
    y_ticks: list  # (y, label)
    x_ticks: list  # (x, label date)
    plot: tuple  # (x, y, width, height)


def _label(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def chart(series) -> Chart:
    points = series.points
    values = [point.value for point in points]
    bounds = values + [value for value in (series.low, series.high) if value is not None]
    low, high = min(bounds), max(bounds)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.12
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value):
        return round(TOP + (high - value) / (high - low) * plot_h, 1)

    first, last = points[0].date, points[-1].date
    span = (last - first).days

    def x(date):
        if span == 0:
            return round(LEFT + plot_w / 2, 1)
        return round(LEFT + (date - first).days / span * plot_w, 1)

    dots = [(x(point.date), y(point.value), point) for point in points]
    band = None
    if series.low is not None or series.high is not None:
        top = y(series.high) if series.high is not None else TOP
        bottom = y(series.low) if series.low is not None else TOP + plot_h
        top, bottom = max(TOP, top), min(TOP + plot_h, bottom)
        if bottom > top:
            band = (LEFT, top, plot_w, round(bottom - top, 1))
    ticks = [low + (high - low) * step / 4 for step in range(5)]
    x_ticks = [(x(first), first)] if span == 0 else [(x(first), first), (x(last), last)]
    return Chart(
        WIDTH, HEIGHT, " ".join(f"{px},{py}" for px, py, _ in dots), dots, band,
        [(y(tick), _label(tick)) for tick in ticks], x_ticks, (LEFT, TOP, plot_w, plot_h),
    )
