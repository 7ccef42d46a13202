"""The values of the analytes a message names, for the model: each one's whole series in
one unit, with the date and source of every value (document id, file name, page, lab)
and figures computed here — latest, previous, change, direction, out-of-range count — so
that the numbers of an answer are not the model's arithmetic."""

from labs import mentions
from labs.catalogue import catalogue

from .trends import Series, lab_series

MAX_SERIES = 5
MAX_POINTS = 200  # a lifetime of check-ups; beyond it, the latest


def series_named_in(user, text: str) -> list[Series]:
    """The user's series that `text` names, the most measured first."""
    keys = mentions.series_named_in(user, text)
    if not keys:
        return []
    return lab_series(user, keys=keys)[:MAX_SERIES]


def series_called(user, name: str) -> list[Series]:
    """The user's series of the analyte called `name` (any name, either language, or a
    LOINC code), else those whose printed name it is."""
    known = catalogue()
    entry = known.by_code.get(name.strip())
    codes = [entry.code] if entry else [one.code for one in known.named(name)]
    if codes:
        found = lab_series(user, codes=codes)
        if found:
            return found
    return series_named_in(user, name)


def _number(value: float) -> str:
    return f"{float(f'{value:.4g}'):g}"


def _range(point) -> str:
    if point.low is not None and point.high is not None:
        return f"{_number(point.low)}–{_number(point.high)}"
    if point.high is not None:
        return f"< {_number(point.high)}"
    if point.low is not None:
        return f"> {_number(point.low)}"
    return ""


def _source(point) -> str:
    parts = []
    if point.document_id:
        page = f", page {point.page}" if point.page else ""
        parts.append(f"document:{point.document_id} “{point.filename}”{page}")
    if point.source:
        parts.append(point.source)
    return "; ".join(parts) or "entered without a document"


def _flag(point) -> str:
    if point.flag:
        return point.flag
    return "out of range" if point.out_of_range else ""


def summary(series: Series) -> str:
    """The figures of a series, computed in code, in one paragraph."""
    figures = series.figures()
    unit = series.unit_label
    lines = [f"{figures['count']} values from {figures['first_date']} to "
             f"{figures['last_date']}, all in {unit or 'the same unit'}."]
    latest, previous = figures["latest"], figures["previous"]
    if latest:
        lines.append(f"Latest: {latest.label} {unit} on {latest.date}"
                     f"{' (out of range)' if latest.out_of_range else ''}.")
    if previous:
        lines.append(f"Previous: {previous.label} {unit} on {previous.date}.")
    if figures["change"] is not None:
        lines.append(f"Change from previous: {figures['change']:+.4g} {unit}.")
    lines.append(f"Direction over the period: {figures['direction']}.")
    lines.append(f"Out of range: {figures['out_of_range']} of {figures['count']}.")
    return " ".join(lines)


def value_table(series: Series) -> str:
    """The series as a Markdown table: date, value, unit, range, flag, as printed, source."""
    rows = ["| date | value | unit | reference range | flag | as printed | source |",
            "|---|---|---|---|---|---|---|"]
    for point in series.points[-MAX_POINTS:]:
        unit = series.unit_label if point.value is not None else ""
        rows.append(f"| {point.date.isoformat()} | {point.label} | {unit} | {_range(point)} | "
                    f"{_flag(point)} | {point.name}: {point.printed_value} "
                    f"{point.printed_unit} | {_source(point)} |")
    return "\n".join(rows)


def title(series: Series) -> str:
    code = f", LOINC {series.code}" if series.code else ""
    unit = f" in {series.unit_label}" if series.unit_label else ""
    return f"{series.name}{code}: every value{unit}, from the user's lab results"


def describe(series: Series) -> str:
    return f"{summary(series)}\n\n{value_table(series)}"
