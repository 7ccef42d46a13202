"""Lab trends: every analyte's values across a user's documents, in one unit, as charts.

Values come from `Document.metadata["lab_values"]`. The same analyte under different
names (English, Russian, abbreviations) is one series; values in another unit are
converted where the conversion is known, otherwise they form their own series.
"""

import datetime
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import formats

from .models import Document

ALIASES = {
    "cholesterol": ["cholesterol", "total cholesterol", "cholesterol total", "cholesterol, total",
                    "tc", "холестерин", "общий холестерин", "холестерин общий"],
    "ldl": ["ldl", "ldl cholesterol", "ldl-c", "ldl c", "cholesterol ldl", "лпнп",
            "холестерин лпнп", "лпнп холестерин"],
    "hdl": ["hdl", "hdl cholesterol", "hdl-c", "hdl c", "cholesterol hdl", "лпвп",
            "холестерин лпвп", "лпвп холестерин"],
    "triglycerides": ["triglycerides", "triglyceride", "tg", "триглицериды"],
    "glucose": ["glucose", "fasting glucose", "blood glucose", "глюкоза", "глюкоза крови"],
    "hemoglobin": ["hemoglobin", "haemoglobin", "hgb", "hb", "гемоглобин"],
    "creatinine": ["creatinine", "креатинин"],
    "ferritin": ["ferritin", "serum ferritin", "ферритин", "ферритин сыворотки"],
    "tsh": ["tsh", "thyrotropin", "thyroid stimulating hormone", "ттг",
            "тиреотропный гормон"],
    "hba1c": ["hba1c", "hemoglobin a1c", "glycated hemoglobin", "гликированный гемоглобин"],
}
ALIAS_KEYS = {name: key for key, names in ALIASES.items() for name in names}

UNITS = {
    "mmol/l": "mmol/L", "ммоль/л": "mmol/L",
    "mg/dl": "mg/dL", "мг/дл": "mg/dL",
    "g/l": "g/L", "г/л": "g/L",
    "g/dl": "g/dL", "г/дл": "g/dL",
    "umol/l": "µmol/L", "µmol/l": "µmol/L", "μmol/l": "µmol/L", "мкмоль/л": "µmol/L",
    "mg/l": "mg/L", "мг/л": "mg/L",
    "ng/ml": "ng/mL", "нг/мл": "ng/mL", "µg/l": "µg/L", "μg/l": "µg/L", "мкг/л": "µg/L",
    "miu/l": "mIU/L", "мме/л": "mIU/L", "µiu/ml": "µIU/mL", "мкме/мл": "µIU/mL",
    "%": "%",
}
# (analyte or None for any, from unit, to unit) → factor
CONVERSIONS = {
    ("cholesterol", "mg/dL", "mmol/L"): 0.02586,
    ("ldl", "mg/dL", "mmol/L"): 0.02586,
    ("hdl", "mg/dL", "mmol/L"): 0.02586,
    ("triglycerides", "mg/dL", "mmol/L"): 0.01129,
    ("glucose", "mg/dL", "mmol/L"): 0.0555,
    ("creatinine", "mg/dL", "µmol/L"): 88.42,
    (None, "g/dL", "g/L"): 10.0,
    (None, "mg/dL", "mg/L"): 10.0,
    (None, "ng/mL", "µg/L"): 1.0,
    (None, "µIU/mL", "mIU/L"): 1.0,
}


def factor(analyte: str, source: str, target: str) -> float | None:
    if source == target:
        return 1.0
    for key in ((analyte, source, target), (None, source, target)):
        if key in CONVERSIONS:
            return CONVERSIONS[key]
        reverse = (key[0], target, source)
        if reverse in CONVERSIONS:
            return 1 / CONVERSIONS[reverse]
    return None


def analyte_key(name: str) -> str:
    simple = re.sub(r"[^\w%]+", " ", name.lower()).strip()
    return ALIAS_KEYS.get(simple, simple)


def normal_unit(unit: str) -> str:
    compact = (unit or "").strip().replace(" ", "")
    return UNITS.get(compact.lower(), compact)


def number(value) -> float | None:
    if isinstance(value, (int, float)):
        return float(value)
    match = re.search(r"-?\d+(?:[.,]\d+)?", str(value or ""))
    return float(match.group().replace(",", ".")) if match else None


def reference_range(text: str) -> tuple[float | None, float | None]:
    text = (text or "").replace(",", ".")
    between = re.search(r"(\d+(?:\.\d+)?)\s*(?:-|–|—|\.\.\.?)\s*(\d+(?:\.\d+)?)", text)
    if between:
        return float(between.group(1)), float(between.group(2))
    upper = re.search(r"(?:<|≤|up to|до|less than)\s*=?\s*(\d+(?:\.\d+)?)", text, re.IGNORECASE)
    if upper:
        return None, float(upper.group(1))
    lower = re.search(
        r"(?:>|≥|over|more than|от|более)\s*=?\s*(\d+(?:\.\d+)?)", text, re.IGNORECASE
    )
    if lower:
        return float(lower.group(1)), None
    return None, None


@dataclass
class Point:
    date: datetime.date
    value: float
    flag: str
    out_of_range: bool
    document_id: str
    filename: str
    low: float | None = None
    high: float | None = None


@dataclass
class Series:
    key: str
    name: str
    unit: str
    points: list[Point] = field(default_factory=list)

    @property
    def low(self):
        return self.points[-1].low if self.points else None

    @property
    def high(self):
        return self.points[-1].high if self.points else None

    @property
    def range_label(self) -> str:
        """The latest reference range as people write it: 3–5.2, < 3, > 1."""
        return range_text(self.low, self.high, short_number)


def range_text(low, high, number) -> str:
    """A reference range as people write it (3–5.2, < 3, > 1), each bound by `number`."""
    if low is not None and high is not None:
        return f"{number(low)}–{number(high)}"
    if high is not None:
        return f"< {number(high)}"
    if low is not None:
        return f"> {number(low)}"
    return ""


def short_number(value: float) -> str:
    """Three significant digits in the reader's own notation (5.2, or 5,2 in Russian)."""
    rounded = float(f"{value:.3g}") if abs(value) < 1000 else round(value)
    if rounded == int(rounded):
        rounded = int(rounded)
    return formats.number_format(rounded, use_l10n=True)


def raw_values(user):
    """(date, lab value, document id, filename) for every completed document's values."""
    rows = (
        Document.objects.for_user(user)
        .filter(status=Document.Status.COMPLETED)
        .values_list("id", "filename", "document_date", "created", "metadata")
    )
    for pk, filename, document_date, created, metadata in rows:
        date = document_date or created.date()
        for item in (metadata or {}).get("lab_values") or []:
            yield date, item, str(pk), filename


def lab_series(user) -> list[Series]:
    grouped = defaultdict(list)
    for date, item, pk, filename in raw_values(user):
        value = number(item.get("value"))
        if value is None or not str(item.get("analyte") or "").strip():
            continue
        grouped[analyte_key(item["analyte"])].append((date, item, value, pk, filename))

    series = []
    for key, entries in grouped.items():
        units = Counter(normal_unit(item.get("unit")) for _, item, *_ in entries)
        target = units.most_common(1)[0][0]
        by_unit: dict[str, Series] = {}
        for date, item, value, pk, filename in sorted(entries, key=lambda entry: entry[0]):
            unit = normal_unit(item.get("unit"))
            scale = factor(key, unit, target)
            unit_shown = target if scale is not None else unit
            scale = scale if scale is not None else 1.0
            low, high = reference_range(item.get("reference_range"))
            # Compared in the report's own unit, before conversion rounds anything.
            outside = (low is not None and value < low) or (high is not None and value > high)
            low = round(low * scale, 3) if low is not None else None
            high = round(high * scale, 3) if high is not None else None
            value = round(value * scale, 3)
            flagged = item.get("flag") in ("high", "low", "abnormal")
            one = by_unit.setdefault(unit_shown, Series(key, item["analyte"].strip(), unit_shown))
            one.points.append(Point(date, value, item.get("flag") or "", outside or flagged,
                                    pk, filename, low, high))
        series.extend(by_unit.values())
    return sorted(series, key=lambda one: (-len(one.points), one.name.lower()))
