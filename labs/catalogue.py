"""The analyte catalogue in memory: which analyte a printed name is, and how a value in
one unit reads in another. Built from the Analyte rows once per process and rebuilt when
an administrator changes them (the version is kept in the cache)."""

import re
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Max

from . import units
from .models import Analyte, AnalyteName, AnalyteUnit

VERSION_KEY = "labs:catalogue:version"
# Words a lab adds to a name that do not change the analyte ("Creatinine, serum").
SPECIMEN = re.compile(r"\b(serum|plasma|blood|whole blood|in serum|in blood|сыворотки|"
                      r"сыворотка|в сыворотке|плазмы|в крови|крови|кровь)\b")


def name_key(name: str) -> str:
    """A name compared case- and punctuation-insensitively: "LDL-C" = "ldl c" = "LDLC"."""
    return re.sub(r"[\W_]+", "", (name or "").lower().replace("ё", "е"))


def words_key(name: str) -> str:
    """The words of a name in any order: "Vitamin D, 25-Hydroxy" = "25-Hydroxy vitamin D"."""
    words = re.findall(r"[^\W_]+", (name or "").lower().replace("ё", "е"))
    return "~" + " ".join(sorted(words)) if len(words) > 1 else ""


def _keys(name: str) -> list[str]:
    lowered = (name or "").lower().replace("ё", "е")
    keys = [name_key(lowered)]
    bare = re.sub(r"\([^)]*\)|\[[^]]*\]", " ", lowered)
    keys.append(name_key(bare))
    keys.append(name_key(SPECIMEN.sub(" ", bare)))
    keys.extend([words_key(lowered), words_key(SPECIMEN.sub(" ", bare))])
    return [key for index, key in enumerate(keys) if key and key not in keys[:index]]


@dataclass
class Entry:
    id: int
    code: str
    name_en: str
    name_ru: str
    unit: str
    conventional_unit: str
    molar_mass: float | None
    names: list[str] = field(default_factory=list)
    # display unit → (factor, offset): printed = canonical × factor + offset
    explicit: dict[str, tuple[float, float]] = field(default_factory=dict)

    def name(self, language: str = "en") -> str:
        return self.name_ru if (language or "").startswith("ru") else self.name_en

    def unit_for(self, system: str) -> str:
        return (self.conventional_unit or self.unit) if system == "conventional" else self.unit

    def to_canonical(self, value: float, unit: str) -> float | None:
        if unit == self.unit:
            return value
        if unit in self.explicit:
            scale, offset = self.explicit[unit]
            return (value - offset) / scale
        scale = units.factor(unit, self.unit, self.molar_mass)
        return value * scale if scale is not None else None

    def from_canonical(self, value: float, unit: str) -> float | None:
        if unit == self.unit:
            return value
        if unit in self.explicit:
            scale, offset = self.explicit[unit]
            return value * scale + offset
        scale = units.factor(self.unit, unit, self.molar_mass)
        return value * scale if scale is not None else None

    def linear(self, unit: str) -> tuple[float, float] | None:
        """(factor, offset) with unit = canonical × factor + offset; None if none."""
        if unit == self.unit:
            return 1.0, 0.0
        if unit in self.explicit:
            return self.explicit[unit]
        scale = units.factor(self.unit, unit, self.molar_mass)
        return (scale, 0.0) if scale is not None else None

    def converts(self, unit: str) -> bool:
        return unit == self.unit or unit in self.explicit or \
            units.factor(unit, self.unit, self.molar_mass) is not None


class Catalogue:
    def __init__(self, entries: list[Entry]):
        self.by_id = {entry.id: entry for entry in entries}
        self.by_code = {entry.code: entry for entry in entries}
        self.by_key: dict[str, list[Entry]] = {}
        for entry in entries:
            for name in [entry.name_en, entry.name_ru, *entry.names]:
                for key in filter(None, (name_key(name), words_key(name))):
                    found = self.by_key.setdefault(key, [])
                    if entry not in found:
                        found.append(entry)

    def named(self, name: str) -> list[Entry]:
        """The analytes a printed name may be (namesakes: several)."""
        for key in _keys(name):
            if key in self.by_key:
                return self.by_key[key]
        return []

    def match(self, name: str, unit: str, numeric: bool = True) -> Entry | None:
        """The analyte a printed name is, the unit deciding between namesakes ("Leukocytes"
        in 10^9/L or per HPF); None when no analyte of that name takes the unit."""
        for key in _keys(name):
            candidates = self.by_key.get(key)
            if not candidates:
                continue
            if not numeric:
                return candidates[0]
            for entry in candidates:
                if entry.converts(unit):
                    return entry
            return None
        return None


_loaded: tuple[tuple, Catalogue] | None = None


def catalogue() -> Catalogue:
    """The catalogue of this process, rebuilt when the shared cache says it changed or
    the rows did (an analyte or name added: the embedded mode's processes share no cache,
    and a flushed database reinstalls them under new ids)."""
    global _loaded
    shared = cache.get(VERSION_KEY)
    if shared is None:  # a new or cleared cache: nobody knows which copy is current
        shared = uuid.uuid4().hex
        cache.set(VERSION_KEY, shared, None)
    version = (shared, Analyte.objects.aggregate(last=Max("pk"))["last"],
               AnalyteName.objects.aggregate(last=Max("pk"))["last"],
               AnalyteUnit.objects.aggregate(last=Max("pk"))["last"])
    if _loaded is None or _loaded[0] != version:
        _loaded = (version, _build())
    return _loaded[1]


def changed() -> None:
    """Called when the catalogue's rows change: every process rebuilds its copy."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _build() -> Catalogue:
    entries = {}
    for analyte in Analyte.objects.prefetch_related("names", "units").order_by("pk"):
        entry = Entry(analyte.pk, analyte.code, analyte.name_en, analyte.name_ru,
                      analyte.unit, analyte.conventional_unit, analyte.molar_mass,
                      [one.name for one in analyte.names.all()])
        for row in analyte.units.all():
            entry.explicit[units.display_unit(row.unit)] = (row.factor, row.offset)
        entries[analyte.pk] = entry
    return Catalogue(list(entries.values()))
