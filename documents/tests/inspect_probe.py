"""A reader the upload inspector's child loads in tests (inspector.PRELOAD): plain-text
files that start with "probe:" tell it what to do at upload, so a test can see what the
child's `inspect` can reach and how a file that hangs or bombs it is cut off.

    probe:network:<port>  refuses the file with a JSON report: the environment, the
                          process, whether 127.0.0.1:<port> could be reached
    probe:hang            sleeps (the wall-clock limit must end it)
    probe:spin            burns CPU (the CPU-time limit must end it)
    probe:balloon         allocates 4 GB (the memory limit must refuse it)
    probe:crash           aborts the process, as a crashing C parser would
    probe:lie             answers that the text file is to be stored as .html

Any other text is inspected by the real text reader.
"""

import json
import os
import socket
import sys
import time

from documents.readers import base
from documents.readers.text import TextReader


def report(port: int) -> str:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
        reached = True
    except OSError:
        reached = False
    return json.dumps({"env": dict(os.environ), "reached": reached, "pid": os.getpid(),
                       "settings_loaded": "config.settings" in sys.modules})


class ProbeReader(TextReader):
    def inspect(self, data: bytes, mime_type: str):
        command = data.decode(errors="replace").strip().split(":")
        if command[0] != "probe":
            return super().inspect(data, mime_type)
        match command[1]:
            case "network":
                raise base.RefusedFile("PROBE " + report(int(command[2])))
            case "hang":
                time.sleep(3600)
            case "spin":
                while True:
                    pass
            case "balloon":
                return bytearray(4 * 1024 ** 3)
            case "crash":
                os.abort()
            case "lie":
                return base.FileKind("text/plain", "html", 1)
        raise base.RefusedFile("unknown probe")


base.register(ProbeReader())
