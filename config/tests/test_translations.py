"""Russian is complete: every marked string translated, nothing fuzzy, catalogues compiled."""

import shutil
import subprocess
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/ru/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def test_there_are_catalogues():
    assert ROOT / "locale/ru/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete_and_compiled(path):
    po = polib.pofile(str(path))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    mo = polib.mofile(str(path.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    for entry in po.translated_entries():
        expected = entry.msgstr or {int(k): v for k, v in entry.msgstr_plural.items()}
        got = compiled.get((entry.msgctxt, entry.msgid))
        if isinstance(got, dict):
            got = {int(k): v for k, v in got.items()}
        assert got == expected, f"{entry.msgid!r}: run `make messages`"


def test_every_marked_string_is_in_a_catalogue(tmp_path):
    """Extracts the strings afresh in a copy of the code and compares with the catalogues."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy, symlinks=True,
        ignore=shutil.ignore_patterns(".venv", ".git", "node_modules", ".data", "*.mo", "frontend"),
    )
    (copy / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run(["bash", str(copy / "scripts/messages.sh"), str(copy)], check=True,
                   capture_output=True)
    for original in CATALOGUES:
        fresh = polib.pofile(str(copy / original.relative_to(ROOT)))
        known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(original))}
        new = [e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known]
        assert new == [], f"untranslated strings in {original.relative_to(ROOT)}: run `make messages`"


def test_a_string_has_one_russian_translation_across_apps():
    """Django merges the apps' catalogues: a msgid translated two ways (without a context)
    shows one app's words in another app ("High" importance read "above normal")."""
    by_string = {}
    for catalogue in CATALOGUES:
        for entry in polib.pofile(str(catalogue)):
            if entry.msgstr and not entry.obsolete and entry.msgctxt is None:
                by_string.setdefault(entry.msgid, {})[str(catalogue.relative_to(ROOT))] = \
                    entry.msgstr
    clashes = {msgid: found for msgid, found in by_string.items()
               if len(set(found.values())) > 1}
    assert clashes == {}, "translate them alike, or give one a context (pgettext)"
