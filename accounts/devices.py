"""A short, human name for a browser from its User-Agent ("Firefox on Linux")."""

import re

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = [
    ("Edge", r"Edg(e|A|iOS)?/"), ("Opera", r"OPR/|Opera"), ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"), ("Safari", r"Safari/"),
]
SYSTEMS = [
    ("Android", r"Android"), ("iPhone", r"iPhone"), ("iPad", r"iPad"), ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"), ("Linux", r"Linux|X11"),
]


def _first(table, user_agent):
    return next((name for name, pattern in table if re.search(pattern, user_agent)), None)


def describe(user_agent: str) -> tuple[str | None, str | None]:
    """(browser, system), each None when not recognised."""
    return _first(BROWSERS, user_agent or ""), _first(SYSTEMS, user_agent or "")


def is_phone(user_agent: str) -> bool:
    return bool(re.search(r"Mobile|Android|iPhone", user_agent or ""))
