"""Which of a user's lab series a message names, in either language, by any name of the
catalogue (names, synonyms, abbreviations) or the name a lab printed: a name is named
when all its words are in the message, compared by Snowball stem ("ферритина",
"Ferritin" and "ferritin levels" all name ferritin)."""

from django.core.cache import cache

from chats.assistant import terms as message_terms

from .catalogue import Catalogue, catalogue
from .models import LabValue

CACHE_SECONDS = 600
_stems: dict[int, dict[str, list[frozenset]]] = {}


def name_stems(name: str) -> frozenset:
    return frozenset(message_terms.stem(word) for word in message_terms.words(name))


def named_in(message_stems: set[str], stems: frozenset) -> bool:
    if not stems:
        return False
    if len(stems) == 1 and len(next(iter(stems))) < 3:
        # "hb", "k": only as a whole word of the message, not the stem of something else
        return next(iter(stems)) in message_stems
    return stems <= message_stems


def _catalogue_stems(known: Catalogue) -> dict[str, list[frozenset]]:
    """Each analyte's names as stems, computed once per catalogue."""
    if id(known) not in _stems:
        _stems.clear()
        _stems[id(known)] = {
            entry.code: list({name_stems(name) for name in
                              [entry.name_en, entry.name_ru, *entry.names]})
            for entry in known.by_code.values()
        }
    return _stems[id(known)]


def version(user) -> int:
    return cache.get(f"labs:user:{user.pk}", 0)


def touched(user_id) -> None:
    """A user's values changed: their series names are read again."""
    try:
        cache.incr(f"labs:user:{user_id}")
    except ValueError:
        cache.set(f"labs:user:{user_id}", 1, None)


def user_series(user) -> dict[str, tuple[str, set[str]]]:
    """The user's series: key → (LOINC code or "", the printed names), cached until their
    values change."""
    key = f"labs:series:{user.pk}:{version(user)}"
    found = cache.get(key)
    if found is None:
        found = {}
        rows = (LabValue.objects.for_user(user).values_list("series_key", "name")
                .distinct().order_by())
        known = catalogue()
        for series_key, name in rows:
            code = series_key if series_key in known.by_code else ""
            found.setdefault(series_key, (code, set()))[1].add(name)
        cache.set(key, found, CACHE_SECONDS)
    return found


def series_named_in(user, text: str) -> list[str]:
    """The keys of the user's series that `text` names."""
    text = (text or "")[:2000]
    if not message_terms.terms(text, expand=False):
        return []  # small talk: the user's values are not read at all
    message_stems = message_terms.stems(text)
    by_code = _catalogue_stems(catalogue())
    named: dict[str, frozenset] = {}  # series key → the longest of its names in the message
    for series_key, (code, printed) in user_series(user).items():
        candidates = [*by_code.get(code, []), *(name_stems(name) for name in printed)]
        found = [stems for stems in candidates if named_in(message_stems, stems)]
        if found:
            named[series_key] = max(found, key=len)
    # "холестерин ЛПНП" names LDL, not also total cholesterol ("холестерин") within it.
    return [key for key, stems in named.items()
            if not any(stems < other for other in named.values())]
