"""The walk of one upload through the project's code: the modules that run from the upload
request (POST /documents/) to the processed document (the job run in this process).
Not a test; run it by hand from the project root:

    DATA_DIR=$(mktemp -d) .venv/bin/python bench/upload_walk.py

Python's sys.monitoring counts every project module whose code runs (tests, bench and
third-party code excluded). A child process the job starts (the reading sandbox) is not
counted: its modules are listed by the job's reader, so the figure is the parent's walk.
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="anamnesis-walk-"))
os.environ.setdefault("ANAMNESIS_TESTING", "1")

import django  # noqa: E402

django.setup()

import pymupdf  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

TOOL = sys.monitoring.PROFILER_ID
SKIPPED = (".venv/", "tests/", "bench/", "conftest.py")


class Walk:
    def __init__(self):
        self.modules: list[str] = []

    def on_start(self, code, offset):
        path = code.co_filename
        if not path.startswith(str(ROOT)):
            return
        relative = path[len(str(ROOT)) + 1:]
        if relative.startswith(SKIPPED) or relative in self.modules:
            return
        self.modules.append(relative)

    def __enter__(self):
        sys.monitoring.use_tool_id(TOOL, "walk")
        sys.monitoring.register_callback(TOOL, sys.monitoring.events.PY_START, self.on_start)
        sys.monitoring.set_events(TOOL, sys.monitoring.events.PY_START)
        return self

    def __exit__(self, *exc):
        sys.monitoring.set_events(TOOL, 0)
        sys.monitoring.free_tool_id(TOOL)


def pdf(text: str) -> bytes:
    document = pymupdf.open()
    document.new_page().insert_text((72, 72), text)
    return document.tobytes()


def upload(client, name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/documents/", {"files": [SimpleUploadedFile(name, data)]})


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    from django.conf import settings
    settings.ALLOWED_HOSTS = ["*"]
    from django_q.conf import Conf
    Conf.SYNC = False
    from accounts.models import User
    from documents import tasks
    from documents.models import Document

    user = User.objects.create_user(email=f"walk{os.getpid()}@example.com")
    client = Client()
    client.force_login(user)
    queued = []
    tasks.enqueue = lambda pk, *a, **k: queued.append(pk)  # the job runs below, in process
    upload(client, "warm.pdf", pdf("Warm up cholesterol 5.0"))  # imports stay out of the walk
    tasks.process_document(queued.pop())
    with Walk() as walk:
        response = upload(client, "lipids.pdf", pdf("Total cholesterol 6.1 mmol/L"))
        tasks.process_document(queued.pop())
    document = Document.objects.filter(user=user).order_by("-created").first()
    print(f"upload {response.status_code}, document {document.status}")
    print(f"{len(walk.modules)} project modules:")
    for module in walk.modules:
        print("  ", module)


main()
