"""Units as labs print them, and conversions between them through pint.

The vocabulary (labs/data/units.yaml) maps each printed form onto one display unit and
that onto a pint expression; pint's registry gets international units (taken as pint's
enzyme unit, so U/L and IU/L are one) and the high-power field of urine microscopy.
Molar ↔ mass conversions go through the analyte's molar mass.
"""

import functools
import re
from pathlib import Path

import pint
import yaml

UNITS_FILE = Path(__file__).parent / "data" / "units.yaml"
MICRO = str.maketrans({"μ": "µ", "х": "x", "×": "x", "⁹": "9", "¹": "1", "²": "2", "³": "3",
                       "⁶": "6"})


def squash(unit: str) -> str:
    """A printed unit compared lower-cased, without spaces, with µ/μ and ×/x/х alike."""
    return re.sub(r"\s+", "", (unit or "").translate(MICRO).lower())


@functools.cache
def vocabulary() -> tuple[dict[str, str], dict[str, str | None]]:
    """(printed form squashed → display unit, display unit → pint expression)."""
    data = yaml.safe_load(UNITS_FILE.read_text(encoding="utf-8"))["units"]
    printed, expressions = {}, {}
    for display, entry in data.items():
        expressions[display] = entry.get("pint")
        for form in [display, *entry.get("printed", [])]:
            key = squash(form)
            printed.setdefault(key, display)
            printed.setdefault(key.replace("µ", "u"), display)
            printed.setdefault(key.replace("µ", "mc"), display)
    return printed, expressions


def display_unit(printed: str) -> str:
    """The display unit of a printed one; a unit the vocabulary lacks is kept as printed."""
    forms, _ = vocabulary()
    return forms.get(squash(printed), (printed or "").strip())


@functools.cache
def registry() -> pint.UnitRegistry:
    units = pint.UnitRegistry()
    units.define("IU = enzyme_unit")
    units.define("HPF = [high_power_field] = hpf")
    return units


@functools.cache
def factor(source: str, target: str, molar_mass: float | None = None) -> float | None:
    """target = source × factor, between two display units; None when pint cannot."""
    if source == target:
        return 1.0
    _, expressions = vocabulary()
    first, second = expressions.get(source), expressions.get(target)
    if not first or not second:
        return None
    units = registry()
    try:
        ratio = units(first) / units(second)
        if ratio.dimensionless:
            return float(ratio.to("dimensionless").magnitude)
        if molar_mass:
            mass = units.Quantity(molar_mass, "g/mol")
            for candidate in (ratio / mass, ratio * mass):
                if candidate.dimensionless:
                    return float(candidate.to("dimensionless").magnitude)
    except (pint.errors.PintError, AttributeError, ValueError):
        return None
    return None
