"""Reading a FHIR R4 JSON file: one resource or a Bundle (any type), or NDJSON (one
resource a line, as a FHIR bulk export writes them)."""

import json
from collections.abc import Iterator

from django.utils.translation import gettext as _

from .errors import ImportFailed


def resources(path) -> Iterator[dict]:
    with open(path, "rb") as file:
        data = file.read()
    text = data.decode("utf-8-sig", errors="replace")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            try:
                items = [json.loads(line) for line in lines]
            except json.JSONDecodeError:
                items = None
            if items is not None:
                yield from items
                return
        raise ImportFailed(_("The file is not valid JSON (line %(line)s, column %(column)s): "
                             "it may be cut short or damaged.")
                           % {"line": error.lineno, "column": error.colno}) from error
    if isinstance(parsed, list):
        yield from parsed
    elif isinstance(parsed, dict) and parsed.get("resourceType"):
        yield parsed
    else:
        raise ImportFailed(_("The JSON file holds no FHIR resource."))
