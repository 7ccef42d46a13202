"""The daily backup by the worker (accounts/scheduled_backups.py): written at the chosen
hour into DATA_DIR/backups/ (or the uploads' storage), the newest N kept, off when
switched off, and a failure told to the administrators in the app and by email."""

import json
import tarfile
from datetime import UTC, datetime

import pytest
from constance.test.pytest import override_config
from django.core.management import call_command
from django_q.models import Schedule

from accounts import scheduled_backups
from notifications import delivery
from notifications.models import Notification

pytestmark = pytest.mark.django_db

AT_THREE = datetime(2026, 12, 7, 3, 0, 30, tzinfo=UTC)  # the default hour, TIME_ZONE UTC


def at(day: int, hour: int = 3) -> datetime:
    return AT_THREE.replace(day=day, hour=hour)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.TIME_ZONE = "UTC"
    return settings.DATA_DIR


def archives(folder):
    return sorted(path.name for path in (folder / "backups").glob("*.tar.gz"))


def test_the_schedule_exists_and_runs_every_hour():
    schedule = Schedule.objects.get(name="accounts: scheduled backup")
    assert schedule.func == "accounts.tasks.run_scheduled_backup"
    assert schedule.schedule_type == Schedule.HOURLY and schedule.repeats == -1


def test_a_backup_is_written_at_the_hour_and_the_newest_are_kept(user, data_dir):
    (data_dir / "backups").mkdir()
    by_hand = data_dir / "backups" / "anamnesis-20261101-120000.tar.gz"
    call_command("backup", str(by_hand))
    with override_config(backup_keep=2):
        assert "skipped" in scheduled_backups.run(at(4, hour=2))  # not the hour yet
        assert archives(data_dir) == [by_hand.name]
        for day in (4, 5, 6):
            result = scheduled_backups.run(at(day))
            assert result["written"] == f"anamnesis-auto-202612{day:02d}-030030.tar.gz"
    # The two newest scheduled ones, and the one made by hand, which retention never touches.
    assert archives(data_dir) == ["anamnesis-20261101-120000.tar.gz",
                                  "anamnesis-auto-20261205-030030.tar.gz",
                                  "anamnesis-auto-20261206-030030.tar.gz"]
    newest = data_dir / "backups" / "anamnesis-auto-20261206-030030.tar.gz"
    assert newest.stat().st_mode & 0o777 == 0o600
    with tarfile.open(newest) as archive:  # a whole backup: the user is in it
        rows = json.loads(archive.extractfile("database.json").read())
    assert any(row["model"] == "accounts.user" and row["fields"]["email"] == user.email
               for row in rows)


def test_the_hour_is_the_servers_time_zone(data_dir, settings):
    settings.TIME_ZONE = "Europe/Moscow"  # UTC+3: 03:00 there is 00:00 UTC
    assert "skipped" in scheduled_backups.run(at(7, hour=3))
    assert "written" in scheduled_backups.run(at(7, hour=0))


def test_switched_off_nothing_is_written(data_dir):
    with override_config(backup_enabled=False):
        result = scheduled_backups.run(at(7))
    assert "off" in result["skipped"]
    assert not (data_dir / "backups").exists()


def test_with_uploads_in_another_storage_backups_go_there(data_dir, settings):
    """S3 is not reachable here; Django's in-memory storage stands in for any storage that
    is not local files, through the same Storage API the S3 backend implements."""
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    from django.core.files.storage import default_storage

    with override_config(backup_keep=1):
        scheduled_backups.run(at(5))
        result = scheduled_backups.run(at(6))
    assert result["written"] == "backups/anamnesis-auto-20261206-030030.tar.gz"
    assert result["deleted"] == ["backups/anamnesis-auto-20261205-030030.tar.gz"]
    assert default_storage.listdir("backups")[1] == ["anamnesis-auto-20261206-030030.tar.gz"]
    assert not (data_dir / "backups").exists()
    assert list(data_dir.iterdir()) == []  # the scratch copy is gone


@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_is_told_to_the_administrators(make_user, user, data_dir):
    from tests.fakes.smtp_server import FakeSMTPServer

    admin = make_user("admin@example.com", role="admin")
    (data_dir / "backups").write_text("a file where the folder should be")  # a real failure
    result = scheduled_backups.run(at(7))
    assert "failed" in result

    notices = Notification.objects.filter(metadata__kind="backup_failed")
    assert {(n.user, n.channel) for n in notices} == {
        (admin, Notification.Channel.IN_APP), (admin, Notification.Channel.EMAIL)}
    assert not Notification.objects.filter(user=user).exists()  # not every user: the admins
    notice = notices.get(channel=Notification.Channel.IN_APP)
    assert notice.title == "The scheduled backup failed"
    assert "could not be written" in notice.body and "manage.py backup" in notice.body

    server = FakeSMTPServer().start()
    try:
        with override_config(smtp_url=server.url):
            delivery.deliver_due()
        assert [message["To"] for message in server.messages] == ["admin@example.com"]
        assert "scheduled backup failed" in server.messages[0]["Subject"]
    finally:
        server.stop()
