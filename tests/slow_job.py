"""A job that holds a worker, like a document that takes minutes to read (tests only)."""

import time
from pathlib import Path


def occupy(marker: str, seconds: float) -> None:
    Path(marker).write_text("busy")
    time.sleep(seconds)
