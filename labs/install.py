"""Installs the analyte catalogue from labs/data/analytes.yaml (run by the migration
0002_install_catalogue, and again safely: rows are updated by LOINC code, and names,
units and analytes an administrator added are kept)."""

from pathlib import Path

import yaml

CATALOGUE_FILE = Path(__file__).parent / "data" / "analytes.yaml"


def read() -> dict:
    return yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


def install(analyte_model, name_model, unit_model) -> int:
    """Creates or updates every analyte of the file; returns how many it holds."""
    data = read()
    sources = data.get("sources", {})
    for item in data["analytes"]:
        source_key = item.get("source", "")
        analyte, _created = analyte_model.objects.update_or_create(
            code=str(item["loinc"]),
            defaults={
                "name_en": item["en"], "name_ru": item["ru"], "category": item["category"],
                "unit": item["unit"], "conventional_unit": item.get("conventional") or "",
                "molar_mass": item.get("molar_mass"),
                "source": sources.get(source_key, source_key)[:300],
            },
        )
        for name in item.get("names", []):
            name_model.objects.get_or_create(analyte=analyte, name=str(name)[:120])
        for unit in item.get("units", []):
            unit_model.objects.update_or_create(
                analyte=analyte, unit=unit["unit"],
                defaults={"factor": unit["factor"], "offset": unit.get("offset", 0),
                          "source": sources.get(unit.get("source", ""), "")[:300]},
            )
    return len(data["analytes"])
