"""A user's lab values as series: one per analyte (in the unit of the user's system, SI or
conventional), one per printed name and unit for values no analyte matched; each point
says where it came from; figures computed here, never by the model."""

import datetime
from dataclasses import dataclass, field

from django.db.models import TextField
from django.db.models.functions import Cast

from .catalogue import catalogue
from .models import LabValue

SI, CONVENTIONAL = "si", "conventional"
FIELDS = ("id_text", "analyte_id", "series_key", "name", "printed_value", "printed_unit",
          "reference_range", "value", "unit", "qualifier", "text", "low", "high", "flag",
          "out_of_range", "date", "document_text", "source_document__filename", "page",
          "source", "matched_by_user")


@dataclass(slots=True)
class Point:
    date: datetime.date
    value: float | None  # in the series' unit; None for a result in words
    qualifier: str  # "", "<", "≤", ">", "≥": the value is a limit
    text: str  # "negative", "не обнаружено"…
    flag: str
    out_of_range: bool
    document_id: str | None
    filename: str
    page: int | None
    source: str  # the lab or clinic, or the import
    printed_value: str
    printed_unit: str
    name: str  # as printed
    value_id: str
    low: float | None = None
    high: float | None = None
    matched_by_user: bool = False

    @property
    def label(self) -> str:
        """The value as it reads: "<0.5", "5.2", "negative"."""
        if self.value is None:
            return self.text
        return f"{self.qualifier}{_number(self.value)}"

    @property
    def qualified(self) -> bool:
        return bool(self.qualifier)


@dataclass
class Series:
    key: str
    name: str
    unit: str
    code: str = ""  # LOINC, when the analyte is known
    points: list[Point] = field(default_factory=list)

    @property
    def unit_label(self) -> str:
        return "" if self.unit in ("ratio", "pH") else self.unit

    @property
    def numeric(self) -> list[Point]:
        return [point for point in self.points if point.value is not None]

    @property
    def low(self):
        return self.points[-1].low if self.points else None

    @property
    def high(self):
        return self.points[-1].high if self.points else None

    def figures(self) -> dict:
        """Latest, previous, change, direction over the period, out-of-range count."""
        numeric = self.numeric
        latest = numeric[-1] if numeric else None
        previous = numeric[-2] if len(numeric) > 1 else None
        change = None
        if latest and previous and not latest.qualifier and not previous.qualifier:
            change = latest.value - previous.value
        direction = "unknown"
        plain = [point for point in numeric if not point.qualifier]
        if len(plain) >= 2:
            first, last = plain[0].value, plain[-1].value
            spread = max(abs(first), abs(last), 1e-9)
            direction = ("stable" if abs(last - first) / spread < 0.05
                         else "rising" if last > first else "falling")
        return {"count": len(self.points), "latest": latest, "previous": previous,
                "change": change, "direction": direction,
                "out_of_range": sum(1 for point in self.points if point.out_of_range),
                "first_date": self.points[0].date if self.points else None,
                "last_date": self.points[-1].date if self.points else None}


def _number(value: float) -> str:
    return f"{float(f'{value:.4g}'):g}"


def _uuid(text: str) -> str:
    """A UUID as text in its usual form (SQLite keeps it as 32 hex digits)."""
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def lab_series(user, *, system: str = SI, language: str = "en", codes=None,
               keys=None) -> list[Series]:
    """The user's series, the most measured first; only the analytes `codes` (LOINC) or
    series `keys` when given."""
    values = LabValue.objects.for_user(user)
    if codes is not None or keys is not None:
        values = values.filter(series_key__in=[*(codes or []), *(keys or [])])
    known = catalogue()
    series: dict[str, Series] = {}
    scales: dict[str, tuple[float, float]] = {}  # series key → (factor, offset)
    # Ids as text: turning 10,000 of them into UUID objects and back is most of the time.
    rows = values.annotate(id_text=Cast("id", TextField()),
                           document_text=Cast("source_document_id", TextField()))
    for (pk, analyte_id, key, name, printed_value, printed_unit, _range, value, unit,
         qualifier, text, low, high, flag, out_of_range, date, document_id, filename, page,
         source, by_user) in rows.order_by("date", "position", "id").values_list(*FIELDS):
        shown = series.get(key)
        if shown is None:
            entry = known.by_code.get(key) if analyte_id else None
            if entry is not None:
                target = entry.unit_for(system)
                scale = entry.linear(target)
                if scale is None:  # a conventional unit it cannot reach: the SI one
                    target, scale = entry.unit, (1.0, 0.0)
                shown = series[key] = Series(key, entry.name(language), target, entry.code)
                scales[key] = scale
            else:
                shown = series[key] = Series(key, name, unit)
                scales[key] = (1.0, 0.0)
        factor, offset = scales[key]
        shown.points.append(Point(
            date, value * factor + offset if value is not None else None, qualifier, text,
            flag, bool(out_of_range), _uuid(document_id) if document_id else None,
            filename or "", page, source, printed_value, printed_unit, name, _uuid(pk),
            low * factor + offset if low is not None else None,
            high * factor + offset if high is not None else None, by_user))
    return sorted(series.values(), key=lambda one: (-len(one.points), one.name.lower()))
