"""Lab trends: the user's normalised lab values (labs.LabValue, one series per analyte) in
the unit system they chose (memory.HealthPreference.lab_units), with the helpers that
write numbers and ranges for people."""

from django.utils import formats
from django.utils.translation import get_language

from labs import series as lab_record
from labs.series import Point, Series  # noqa: F401  (the shapes the pages and reports read)
from memory.models import HealthPreference


def lab_series(user, codes=None, keys=None) -> list[Series]:
    system = HealthPreference.for_user(user).lab_units
    return lab_record.lab_series(user, system=system, language=get_language() or "en",
                                 codes=codes, keys=keys)


def range_text(low, high, number) -> str:
    """A reference range as people write it (3–5.2, < 3, > 1), each bound by `number`."""
    if low is not None and high is not None:
        return f"{number(low)}–{number(high)}"
    if high is not None:
        return f"< {number(high)}"
    if low is not None:
        return f"> {number(low)}"
    return ""


def range_label(series: Series) -> str:
    return range_text(series.low, series.high, short_number)


def short_number(value: float) -> str:
    """Three significant digits in the reader's own notation (5.2, or 5,2 in Russian)."""
    rounded = float(f"{value:.3g}") if abs(value) < 1000 else round(value)
    if rounded == int(rounded):
        rounded = int(rounded)
    return formats.number_format(rounded, use_l10n=True)
