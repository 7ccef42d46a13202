"""`manage.py backup` and `manage.py restore`: a round trip into an empty data directory
(and, in the production suite, an empty PostgreSQL database) loses nothing."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from accounts.tests.conftest import _populate
from notifications import vapid

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

PROBE = """
import hashlib, json
from pathlib import Path
from django.apps import apps
from django.conf import settings
media = Path(settings.MEDIA_ROOT)
print(json.dumps({
    "rows": {m._meta.label: m._default_manager.count() for m in apps.get_models()
             if not m._meta.proxy},
    "files": {p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in media.rglob("*") if p.is_file()} if media.exists() else {},
}))
"""
# Not part of a backup on purpose (see accounts/backup.py), or rebuilt by migrate.
NOT_COMPARED = {"contenttypes.ContentType", "auth.Permission", "sessions.Session",
                "django_q.Task", "django_q.Success", "django_q.Failure", "django_q.OrmQ"}


def snapshot():
    media = Path(settings.MEDIA_ROOT)
    return {
        "rows": {m._meta.label: m._default_manager.count() for m in apps.get_models()
                 if not m._meta.proxy},
        "files": {p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in media.rglob("*") if p.is_file()},
    }


@pytest.fixture
def empty_instance(tmp_path):
    """The environment of a fresh instance: an empty data directory and, on PostgreSQL,
    an empty database of its own on the same server."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DATA_DIR": str(tmp_path / "restored"), "DJANGO_SETTINGS_MODULE": "config.settings"})
    env.pop("ANAMNESIS_TESTING", None)
    name = None
    if connection.vendor == "postgresql":
        name = f"restore_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        params = connection.settings_dict
        env["DATABASE_URL"] = (f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@"
                               f"{params['HOST']}:{params['PORT']}/{name}")
    yield env
    if name:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env, *args):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_instance_with_nothing_lost(
    user, other_user, tmp_path, empty_instance
):
    _populate(user, "alice")
    _populate(other_user, "bob")
    user.avatar.save("me.png", ContentFile(b"\x89PNG avatar"), save=True)
    push_key = vapid.key_file()
    vapid.public_key()  # the Web Push key exists, as after the first push subscription
    before = snapshot()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    assert archive.exists()

    result = run(empty_instance, "manage.py", "restore", str(archive))
    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout
    probe = run(empty_instance, "-c", "import django; django.setup()\n" + PROBE)
    assert probe.returncode == 0, probe.stderr
    after = json.loads(probe.stdout)

    assert after["files"] == before["files"]  # every file, byte for byte
    lost = {label: (count, after["rows"].get(label))
            for label, count in before["rows"].items()
            if label not in NOT_COMPARED and after["rows"].get(label) != count}
    assert lost == {}
    assert before["rows"]["accounts.User"] == 2 and len(before["files"]) == 5
    # Browsers' push subscriptions are bound to the Web Push key: it comes back as it was.
    restored_key = Path(empty_instance["DATA_DIR"]) / push_key.name
    assert restored_key.read_bytes() == push_key.read_bytes()
    assert restored_key.stat().st_mode & 0o777 == 0o600

    # A second restore into the now filled instance is refused.
    again = run(empty_instance, "manage.py", "restore", str(archive))
    assert again.returncode != 0
    assert "already has accounts" in again.stderr + again.stdout


# --- Search after a restore, and moves between SQLite and PostgreSQL ----------------------

LAB_TEXT = "Ferritin 9 ng/mL (low). Haemoglobin 118 g/L. Ферритин снижен."
SEARCH_PROBE = """
import json, sys
import django
django.setup()
from accounts.models import User
from documents.search import relevant, search
from django.db import connection
user = User.objects.get(email=sys.argv[1])
print(json.dumps({
    "vendor": connection.vendor,
    "search": [hit.filename for hit in search(user, "ferritin")],
    "russian": [hit.filename for hit in search(user, "ферритин")],
    "relevant": [hit.filename for hit in relevant(user, "What was my ferritin last time?")],
}))
"""
SEED = """
import hashlib, sys
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.management import call_command
call_command("migrate", "--no-input", verbosity=0)
from accounts.models import User
from documents import search
from documents.models import Document
text = sys.argv[2]
user = User.objects.create_user(email=sys.argv[1], password="a-long-test-passphrase")
document = Document(user=user, filename="carol-ferritin.txt", mime_type="text/plain",
                    file_size=len(text.encode()), sha256=hashlib.sha256(text.encode()).hexdigest(),
                    extracted_text=text, status="completed")
document.file.save("carol-ferritin.txt", ContentFile(text.encode()), save=False)
document.save()
search.index_document(document)
assert [hit.filename for hit in search.search(user, "ferritin")] == ["carol-ferritin.txt"]
call_command("backup", sys.argv[3])
"""


def searches(env, email):
    probe = run(env, "-c", SEARCH_PROBE, email)
    assert probe.returncode == 0, probe.stderr[-3000:]
    return json.loads(probe.stdout)


@pytest.fixture
def empty_sqlite_instance(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "ANAMNESIS_TESTING"}}
    env.update({"DATA_DIR": str(tmp_path / "embedded"), "DJANGO_SETTINGS_MODULE": "config.settings"})
    return env


@pytest.mark.django_db(transaction=True)
def test_search_finds_the_documents_of_this_database_after_its_restore_elsewhere(
    user, tmp_path, empty_sqlite_instance
):
    """Backup from this suite's database (PostgreSQL in the production suite), restore into
    an empty embedded instance (SQLite): search and the assistant's retrieval find the
    document at once, without reprocessing. Before, the FTS5 table stayed empty."""
    from documents import search
    from documents.models import Document

    document = Document.objects.create(
        user=user, filename="alice-ferritin.txt", mime_type="text/plain", file_size=10,
        sha256="0" * 64, extracted_text=LAB_TEXT, status="completed")
    search.index_document(document)
    assert [hit.filename for hit in search.search(user, "ferritin")] == ["alice-ferritin.txt"]
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))

    result = run(empty_sqlite_instance, "manage.py", "restore", str(archive))
    assert result.returncode == 0, result.stderr
    found = searches(empty_sqlite_instance, user.email)
    assert found == {"vendor": "sqlite", "search": ["alice-ferritin.txt"],
                     "russian": ["alice-ferritin.txt"], "relevant": ["alice-ferritin.txt"]}


@pytest.mark.django_db(transaction=True)
def test_an_embedded_backup_restores_into_this_database_with_search(
    tmp_path, empty_instance, empty_sqlite_instance
):
    """An embedded instance (SQLite) backed up and restored into an empty instance of this
    suite's database (PostgreSQL in the production suite: the documented move): its search
    vectors are built, so search finds the document."""
    archive = tmp_path / "embedded.tar.gz"
    seeded = run(empty_sqlite_instance, "-c", SEED, "carol@example.com", LAB_TEXT, str(archive))
    assert seeded.returncode == 0, seeded.stderr[-3000:]

    result = run(empty_instance, "manage.py", "restore", str(archive))
    assert result.returncode == 0, result.stderr
    found = searches(empty_instance, "carol@example.com")
    assert found == {"vendor": connection.vendor, "search": ["carol-ferritin.txt"],
                     "russian": ["carol-ferritin.txt"], "relevant": ["carol-ferritin.txt"]}


def test_rebuilding_the_index_finds_every_document_again(user, other_user):
    """documents.search.rebuild_index, which restore runs: an index emptied as after a
    load of rows (FTS5 rows gone, vectors null) is whole again, each document its owner's."""
    from documents import search
    from documents.models import Document

    for owner, name in ((user, "alice-ferritin.txt"), (other_user, "bob-ferritin.txt")):
        Document.objects.create(user=owner, filename=name, mime_type="text/plain",
                                file_size=10, sha256="1" * 64, extracted_text=LAB_TEXT,
                                status="completed")
    assert search.search(user, "ferritin") == []  # rows without their index entries
    assert search.rebuild_index() == 2
    assert [hit.filename for hit in search.search(user, "ferritin")] == ["alice-ferritin.txt"]
    assert [hit.filename for hit in search.search(other_user, "ferritin")] == ["bob-ferritin.txt"]
    assert search.rebuild_index() == 2  # again: no duplicate entries
    assert len(search.search(user, "ferritin")) == 1
