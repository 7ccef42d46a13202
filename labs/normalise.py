"""One printed lab value → its normalised form: the analyte it is (or its own series
under the printed name), the number with its qualifier (<, >, ≤, ≥) or the result in
words ("not detected", "отрицательно"), the reference range read in either language, the
canonical value and unit, and whether it is out of range."""

import re
from dataclasses import dataclass

from .catalogue import Catalogue, Entry, name_key
from .units import display_unit

NUMBER = r"[-−]?\d+(?:[.,]\d+)?"
QUALIFIERS = {"<": "<", "<=": "≤", "≤": "≤", "=<": "≤", ">": ">", ">=": "≥", "≥": "≥",
              "=>": "≥", "менее": "<", "меньше": "<", "less than": "<", "below": "<",
              "до": "≤", "up to": "≤", "более": ">", "больше": ">", "greater than": ">",
              "above": ">", "more than": ">", "свыше": ">", "от": "≥"}
_QUALIFIER = "|".join(sorted((re.escape(word) for word in QUALIFIERS), key=len, reverse=True))
QUALIFIED = re.compile(rf"^\s*({_QUALIFIER})?\s*({NUMBER})\s*(?:\*|!|↑|↓|h|l|н|в)?\s*$",
                       re.IGNORECASE)
RANGE = re.compile(rf"({NUMBER})\s*(?:-|–|—|\.\.\.?|…|to|до)\s*({NUMBER})", re.IGNORECASE)
BOUND = re.compile(rf"({_QUALIFIER})\s*({NUMBER})|({NUMBER})\s*(и более|и менее|or more|or less|"
                   rf"and above|and below|\+)", re.IGNORECASE)
NEGATIVE_WORDS = {"negative", "neg", "not detected", "none detected", "absent", "nil",
                  "non-reactive", "nonreactive", "отрицательно", "отрицательный",
                  "отриц", "не обнаружено", "не обнаружен", "не обнаружены", "отсутствует",
                  "нет", "normal", "норма"}


@dataclass
class Normalised:
    analyte: Entry | None
    series_key: str
    name: str
    printed_value: str
    printed_unit: str
    reference_range: str
    value: float | None
    unit: str
    qualifier: str
    text: str
    low: float | None
    high: float | None
    flag: str
    out_of_range: bool | None
    page: int | None


def number(text: str) -> float:
    return float(text.replace(",", ".").replace("−", "-"))


def parse_value(value) -> tuple[float | None, str, str]:
    """(number, qualifier, words): 5.4 → (5.4, "", ""); "<0,5" → (0.5, "<", "");
    "не обнаружено" → (None, "", "не обнаружено")."""
    if isinstance(value, bool):
        return None, "", str(value)
    if isinstance(value, (int, float)):
        return float(value), "", ""
    text = str(value or "").strip()
    match = QUALIFIED.match(text)
    if match:
        qualifier = QUALIFIERS[match.group(1).lower()] if match.group(1) else ""
        return number(match.group(2)), qualifier, ""
    return None, "", text[:60]


def parse_range(text: str) -> tuple[float | None, float | None]:
    """A reference range as labs write it, in either language: "3.5–5.0", "3,5-5,0",
    "<5.2", "до 5,2", "> 60", "более 60", "менее 5", "60 и более"."""
    text = (text or "").strip()
    between = RANGE.search(text)
    if between:
        low, high = number(between.group(1)), number(between.group(2))
        return (low, high) if low <= high else (high, low)
    bound = BOUND.search(text)
    if bound:
        if bound.group(1):
            qualifier, limit = QUALIFIERS[bound.group(1).lower()], number(bound.group(2))
        else:
            word = bound.group(4).lower()
            qualifier = "<" if ("мен" in word or "less" in word or "below" in word) else ">"
            limit = number(bound.group(3))
        return (None, limit) if qualifier in ("<", "≤") else (limit, None)
    return None, None


def outside(value: float | None, qualifier: str, words: str, low, high) -> bool | None:
    """Whether the value is outside its range; None when it cannot be told."""
    if value is None:
        if words and low is None and high is None:
            return False if words.lower() in NEGATIVE_WORDS else None
        return None
    if low is None and high is None:
        return None
    if qualifier in ("<", "≤"):  # the true value is below `value`
        if low is not None and value <= low:
            return True
        return False if (low is None or low <= 0) and high is not None and value <= high \
            else None
    if qualifier in (">", "≥"):
        if high is not None and value >= high:
            return True
        return False if high is None and low is not None and value >= low else None
    return (low is not None and value < low) or (high is not None and value > high)


def normalise(item: dict, catalogue: Catalogue, *, analyte_code: str = "") -> Normalised:
    """`item` as extracted or typed: analyte, value, unit, reference_range, flag, page,
    and the user's own match `analyte_code` (a LOINC code) when they corrected one."""
    name = str(item.get("analyte") or "").strip()[:120]
    printed_unit = str(item.get("unit") or "").strip()[:40]
    unit = display_unit(printed_unit)
    value, qualifier, words = parse_value(item.get("value"))
    printed_value = (f"{item.get('value'):g}" if isinstance(item.get("value"), float)
                     else str(item.get("value") if item.get("value") is not None else ""))[:60]
    reference_range = str(item.get("reference_range") or "").strip()[:60]
    low, high = parse_range(reference_range)
    code = analyte_code or str(item.get("analyte_code") or "")
    analyte = catalogue.by_code.get(code) if code else None
    if analyte is not None and value is not None and not analyte.converts(unit):
        analyte = None  # the user's match cannot take this unit: kept as printed
    if analyte is None and not code:
        analyte = catalogue.match(name, unit, numeric=value is not None)
    if analyte is not None:
        convertible = analyte.converts(unit)
        canonical = analyte.to_canonical(value, unit) if value is not None else None
        low = analyte.to_canonical(low, unit) if low is not None and convertible else None
        high = analyte.to_canonical(high, unit) if high is not None and convertible else None
        key, shown = analyte.code, analyte.unit
    else:
        canonical = value
        key, shown = f"name:{name_key(name)}|{unit}", unit
    flag = str(item.get("flag") or "")
    if flag in ("high", "low", "abnormal"):
        out = True
    elif flag == "normal":
        out = False
    else:
        out = outside(canonical, qualifier, words, low, high)
    page = item.get("page")
    return Normalised(
        analyte, key[:200], name, printed_value, printed_unit, reference_range,
        canonical, shown, qualifier, words, low, high, flag, out,
        page if isinstance(page, int) and not isinstance(page, bool) and page > 0 else None,
    )
