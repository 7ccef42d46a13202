"""The variables of README.md's configuration table, read the way a person reads them: the
first cell of each row names one or more variables in backticks."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
NAME = re.compile(r"`([A-Z][A-Z0-9_]+)`")


def documented_variables() -> list[str]:
    """Every variable of the table under "## Configuration", in the order written."""
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        if line.startswith("| `"):
            names += NAME.findall(line.split("|")[1])
    return names
