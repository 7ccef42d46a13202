"""Private by default: nothing under DATA_DIR is readable by other users of the machine."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from config import privacy


def readable_by_others(root: Path) -> list[str]:
    found = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            found.append(f"{path.relative_to(root)} {oct(stat.S_IMODE(mode))}")
    return found


def start_up(data_dir: Path) -> subprocess.CompletedProcess:
    """A real start: a new process reading the settings, migrating the SQLite file."""
    env = dict(os.environ, DATA_DIR=str(data_dir))
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    return subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
                          cwd=django_settings.BASE_DIR, env=env, capture_output=True,
                          timeout=300, check=False)


def test_data_dir_is_private_after_startup_even_when_an_older_version_left_it_open(tmp_path):
    data_dir = tmp_path / "data"
    uploads = data_dir / "media" / "uploads" / "1"
    uploads.mkdir(parents=True)
    (uploads / "scan.pdf").write_bytes(b"%PDF-1.4")
    (data_dir / "db.sqlite3").write_bytes(b"")
    (data_dir / "notes-of-the-admin.txt").write_text("not ours")
    for path in (data_dir, data_dir / "media", data_dir / "media" / "uploads", uploads):
        path.chmod(0o755)
    for path in (uploads / "scan.pdf", data_dir / "db.sqlite3",
                 data_dir / "notes-of-the-admin.txt"):
        path.chmod(0o644)
    (data_dir / "db.sqlite3").unlink()  # a fresh database, but the old uploads remain

    result = start_up(data_dir)

    assert result.returncode == 0, result.stderr.decode()
    assert (data_dir / "db.sqlite3").exists() and (data_dir / "secret_key").exists()
    left = readable_by_others(data_dir)
    # Only what Anamnesis does not own is left as it was.
    assert left == ["notes-of-the-admin.txt 0o644"]


def test_tighten_leaves_symlinked_targets_alone(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    outside.chmod(0o644)
    media = tmp_path / "media"
    media.mkdir()
    (media / "link").symlink_to(outside)
    privacy.tighten(media)
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644


@pytest.mark.django_db
def test_uploads_and_exports_are_readable_by_the_owner_only(
    signed_in_client, user, settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    from accounts import export
    from accounts.models import DataExport
    from accounts.tasks import build_export
    from documents.tests.conftest import upload

    data_dir = tmp_path / "data"
    privacy.make_private(data_dir)
    settings.MEDIA_ROOT = data_dir / "media"
    monkeypatch.setattr("documents.uploads.enqueue", lambda pk: None)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client.post(
            "/documents/", {"files": [upload("note.txt", b"Aspirin 100 mg daily")]})
    assert response.status_code == 302

    queued = []
    monkeypatch.setattr(export, "SYNC_MAX_FILES", 0)
    monkeypatch.setattr("django_q.tasks.async_task",
                        lambda func, *args, **kwargs: queued.append(args))
    signed_in_client.post("/settings/export/", {"mode": "job"})
    build_export(*queued[0])
    assert DataExport.objects.get(user=user).status == DataExport.Status.DONE

    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert len(files) == 2  # the upload and the zip
    assert readable_by_others(data_dir) == []
