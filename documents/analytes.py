"""Which of the user's analytes a message names, and their values over time.

The analytes are those of the user's extracted lab values, grouped and converted to one
unit by trends.py. A message names one when every word of one of its names (the name as
extracted, the known aliases of trends.ALIASES, the other-language names of
chats.assistant.terms.SYNONYMS) appears in the message, compared by Snowball stem:
"ферритина", "Ferritin" and "ferritin levels" all name ferritin.
"""

from django.core.cache import cache
from django.db.models import Count, Max

from chats.assistant import terms as message_terms

from .models import Document
from .trends import ALIASES, Series, lab_series, range_text

MAX_SERIES = 3
MAX_POINTS = 24  # the latest values of a series
CACHE_SECONDS = 600


def names(series: Series) -> set[str]:
    known = {series.key, series.name.lower(), *ALIASES.get(series.key, [])}
    for name in list(known):
        known.update(message_terms.synonyms(name))
    return {name for name in known if name.strip()}


def named_in(message_stems: set[str], name: str) -> bool:
    name_stems = {message_terms.stem(word) for word in message_terms.words(name)}
    if not name_stems:
        return False
    if len(name_stems) == 1 and len(next(iter(name_stems))) < 3:
        # "hb", "tc": only as a whole word of the message, not the stem of something else
        return next(iter(name_stems)) in message_stems
    return name_stems <= message_stems


def analyte_names(user) -> dict[str, set[str]]:
    """Each of the user's analytes (trends key) → its names. Reading every document's
    values costs tens of milliseconds with a thousand documents, so the names are kept in
    the cache until a completed document is added, changed or removed."""
    stamp = (Document.objects.for_user(user).filter(status=Document.Status.COMPLETED)
             .aggregate(count=Count("pk"), last=Max("updated")))
    key = f"analytes:{user.pk}:{stamp['count']}:{stamp['last'] and stamp['last'].timestamp()}"
    known = cache.get(key)
    if known is None:
        known = {}
        for series in lab_series(user):
            known.setdefault(series.key, set()).update(names(series))
        cache.set(key, known, CACHE_SECONDS)
    return known


def series_named_in(user, text: str) -> list[Series]:
    """The user's analyte series that `text` names, the most measured first."""
    text = (text or "")[:2000]
    if not message_terms.terms(text, expand=False):
        return []  # small talk: the user's values are not read at all
    message_stems = message_terms.stems(text)
    named = {key for key, known in analyte_names(user).items()
             if any(named_in(message_stems, name) for name in known)}
    if not named:
        return []
    return [series for series in lab_series(user) if series.key in named][:MAX_SERIES]


def value_table(series: Series) -> str:
    """The series as a small Markdown table: date, value, unit, reference range, flag."""
    rows = ["| date | value | unit | reference range | flag |", "|---|---|---|---|---|"]
    for point in series.points[-MAX_POINTS:]:
        rows.append(f"| {point.date.isoformat()} | {_number(point.value)} | {series.unit} | "
                    f"{range_text(point.low, point.high, _number)} | {_flag(point)} |")
    return "\n".join(rows)


def _number(value: float) -> str:
    return f"{value:g}"


def _flag(point) -> str:
    if point.flag:
        return point.flag
    return "out of range" if point.out_of_range else ""
