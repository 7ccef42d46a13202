"""A user's lab values as series: one per analyte (in the unit of the user's system, SI or
conventional), one per printed name and unit for values no analyte matched; each point
says where it came from; figures computed here, never by the model."""

import datetime
from dataclasses import dataclass, field

from .catalogue import catalogue
from .models import LabValue

SI, CONVENTIONAL = "si", "conventional"
FIELDS = ("pk", "analyte_id", "series_key", "name", "printed_value", "printed_unit",
          "reference_range", "value", "unit", "qualifier", "text", "low", "high", "flag",
          "out_of_range", "date", "source_document_id", "source_document__filename", "page",
          "source", "matched_by_user")


@dataclass
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


def lab_series(user, *, system: str = SI, language: str = "en", codes=None,
               keys=None) -> list[Series]:
    """The user's series, the most measured first; only the analytes `codes` (LOINC) or
    series `keys` when given."""
    values = LabValue.objects.for_user(user)
    if codes is not None or keys is not None:
        values = values.filter(series_key__in=[*(codes or []), *(keys or [])])
    known = catalogue()
    series: dict[str, Series] = {}
    for row in values.order_by("date", "position", "pk").values_list(*FIELDS):
        one = dict(zip(FIELDS, row, strict=True))
        entry = known.by_id.get(one["analyte_id"]) if one["analyte_id"] else None
        if entry is not None:
            unit = entry.unit_for(system)
            shown = series.setdefault(one["series_key"], Series(
                one["series_key"], entry.name(language), unit, entry.code))

            def convert(amount, entry=entry, unit=unit):
                return entry.from_canonical(amount, unit) if amount is not None else None
        else:
            shown = series.setdefault(one["series_key"], Series(
                one["series_key"], one["name"], one["unit"]))

            def convert(amount):
                return amount
        shown.points.append(Point(
            one["date"], convert(one["value"]), one["qualifier"], one["text"], one["flag"],
            bool(one["out_of_range"]),
            str(one["source_document_id"]) if one["source_document_id"] else None,
            one["source_document__filename"] or "", one["page"], one["source"],
            one["printed_value"], one["printed_unit"], one["name"], str(one["pk"]),
            convert(one["low"]), convert(one["high"]), one["matched_by_user"]))
    return sorted(series.values(), key=lambda one: (-len(one.points), one.name.lower()))
