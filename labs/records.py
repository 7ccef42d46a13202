"""Writing a source's lab values: each one normalised (normalise.py) and stored as a
LabValue, replacing what the same source gave before. A document's values come from its
extracted or corrected facts; other sources (imports) give only a label."""

import datetime

from .catalogue import catalogue
from .mentions import touched
from .models import LabValue
from .normalise import normalise


def rows(user, items: list[dict], *, date: datetime.date, source: str = "",
         document=None) -> list[LabValue]:
    """The LabValues of `items` (unsaved), in their order."""
    known = catalogue()
    values = []
    for position, item in enumerate(items):
        if not isinstance(item, dict) or not str(item.get("analyte") or "").strip():
            continue
        one = normalise(item, known)
        values.append(LabValue(
            user=user, analyte_id=one.analyte.id if one.analyte else None,
            series_key=one.series_key, name=one.name, printed_value=one.printed_value,
            printed_unit=one.printed_unit, reference_range=one.reference_range,
            value=one.value, unit=one.unit, qualifier=one.qualifier, text=one.text,
            low=one.low, high=one.high, flag=one.flag, out_of_range=one.out_of_range,
            matched_by_user=bool(item.get("analyte_code")), date=date,
            source_document=document, page=one.page, position=position, source=source[:200],
        ))
    return values


def replace_document_values(document, items: list[dict], *, date: datetime.date,
                            source: str = "") -> list[LabValue]:
    """The document's values, normalised, in place of those it had."""
    values = rows(document.user, items, date=date, source=source, document=document)
    LabValue.objects.filter(source_document=document).delete()
    created = LabValue.objects.bulk_create(values)
    touched(document.user_id)
    return created


def rematch(value: LabValue, code: str) -> LabValue:
    """A value of no document, matched by the user to the analyte `code` ("" for none)."""
    item = {"analyte": value.name, "value": value.printed_value, "unit": value.printed_unit,
            "reference_range": value.reference_range, "flag": value.flag,
            "page": value.page, "analyte_code": code or "-"}
    fresh = rows(value.user, [item], date=value.date, source=value.source)[0]
    for name in ("analyte_id", "series_key", "value", "unit", "low", "high", "out_of_range",
                 "matched_by_user"):
        setattr(value, name, getattr(fresh, name))
    value.save()
    touched(value.user_id)
    return value
