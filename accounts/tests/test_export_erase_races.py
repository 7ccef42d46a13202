"""Export and erase never race: a lock per user, cancelled jobs, the whole storage prefix.

The job functions run in-process, where django-q2's worker would run them; "another
request meanwhile" is played by calling the erase from inside the job's own steps, at the
exact moment a concurrent request could arrive.
"""

import contextlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_q.exceptions import TimeoutException
from django_q.models import Schedule

from accounts import erase, export
from accounts.models import DataExport, User
from accounts.tasks import build_export, sweep_erased_user_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    jobs = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *a, **kw: jobs.append(a))
    return jobs


def files_under(prefix):
    found = []
    with contextlib.suppress(FileNotFoundError):
        folders, files = default_storage.listdir(prefix)
        found += [f"{prefix}/{name}" for name in files]
        for folder in folders:
            found += files_under(f"{prefix}/{folder}")
    return found


def test_a_new_export_request_leaves_a_running_job_alone(user, alice_data, queued, monkeypatch):
    first = export.start_job(user)
    again = []

    def write_zip(owner, target, progress=None):
        # While the zip is being written the user asks for an export once more.
        again.append(export.start_job(owner))
        original(owner, target, progress)

    original = export.write_zip
    monkeypatch.setattr(export, "write_zip", write_zip)
    build_export(*queued[0])
    assert again == [first] and len(queued) == 1  # no second job, the row kept
    first.refresh_from_db()
    assert first.status == DataExport.Status.DONE and default_storage.exists(first.file.name)
    # Once it is done, a new request replaces it.
    second = export.start_job(user)
    assert second.pk != first.pk and not DataExport.objects.filter(pk=first.pk).exists()
    assert not default_storage.exists(first.file.name)


def test_erasing_during_an_export_stops_it_and_leaves_no_file(user, alice_data, queued,
                                                              monkeypatch):
    job = export.start_job(user)
    steps = []

    def progress_then_erase(owner, target, progress=None):
        def step(percent):
            steps.append(percent)
            if len(steps) == 2:
                erase.erase_account(User.objects.get(pk=owner.pk))
            progress(percent)
        original(owner, target, step)

    original = export.write_zip
    monkeypatch.setattr(export, "write_zip", progress_then_erase)
    build_export(*queued[0])
    assert len(steps) == 2  # it stopped at the next step
    assert not User.objects.filter(pk=user.pk).exists()
    assert not DataExport.objects.filter(pk=job.pk).exists()
    assert files_under(f"exports/{user.pk}") == []


def test_erasing_just_before_the_zip_is_recorded_removes_it(user, alice_data, queued,
                                                             monkeypatch):
    job = export.start_job(user)
    original_lock = export.user_lock

    @contextlib.contextmanager
    def erase_first(user_id):
        erase.erase_account(User.objects.get(pk=user_id))  # the zip is saved by now
        with original_lock(user_id) as row:
            yield row

    monkeypatch.setattr(export, "user_lock", erase_first)
    build_export(*queued[0])
    assert not DataExport.objects.filter(pk=job.pk).exists()
    assert files_under(f"exports/{user.pk}") == []


def test_erasing_deletes_the_whole_storage_prefix(user, alice_data, bob_data, queued):
    # Files no row names any more: a preview a job was writing, an orphaned zip.
    stray = [
        default_storage.save(f"previews/{user.pk}/doc/preview.png", ContentFile(b"png")),
        default_storage.save(f"exports/{user.pk}/old/anamnesis.zip", ContentFile(b"zip")),
        default_storage.save(f"uploads/{user.pk}/half/upload.pdf", ContentFile(b"%PDF")),
    ]
    bobs = default_storage.save(f"previews/{bob_data.user.pk}/d/preview.png", ContentFile(b"b"))
    erase.erase_account(user)
    for folder in erase.USER_FOLDERS:
        assert files_under(f"{folder}/{user.pk}") == [], folder
    assert not any(default_storage.exists(name) for name in stray)
    assert default_storage.exists(bobs)
    assert all(default_storage.exists(name) for name in bob_data.files)


def test_a_file_written_after_the_erase_is_swept_later(user, alice_data):
    user_id = user.pk
    erase.erase_account(user)
    sweep = Schedule.objects.get(func="accounts.tasks.sweep_erased_user_files")
    assert str(user_id) in sweep.args and sweep.next_run > timezone.now()
    # A document job that was past its last check saves its preview now.
    late = default_storage.save(f"previews/{user_id}/doc/preview.png", ContentFile(b"png"))
    assert sweep_erased_user_files(str(user_id)) == 1
    assert not default_storage.exists(late)


def test_an_export_killed_by_the_job_timeout_is_failed_with_the_reason(user, alice_data,
                                                                       queued, monkeypatch):
    job = export.start_job(user)

    def too_slow(*args, **kwargs):
        raise TimeoutException("Task exceeded maximum timeout value (600 seconds)")

    monkeypatch.setattr(export, "write_zip", too_slow)
    with pytest.raises(TimeoutException):  # django-q2 must still see its timeout
        build_export(*queued[0])
    job.refresh_from_db()
    assert job.status == DataExport.Status.FAILED
    assert "time limit" in job.error
    assert files_under(f"exports/{user.pk}") == []


# --- The sweeper: exports whose job died without a word ----------------------------------


def test_the_sweeper_is_scheduled():
    schedule = Schedule.objects.get(name="accounts: sweep stale exports")
    assert schedule.func == "accounts.tasks.sweep_stale_exports" and schedule.repeats < 0


def test_a_killed_export_is_retried_then_failed_with_the_reason(user, alice_data, queued):
    from datetime import timedelta

    from accounts.tasks import sweep_stale_exports

    job = export.start_job(user)
    # What an out-of-memory kill leaves: the row "running", a half-written zip, no word.
    DataExport.objects.filter(pk=job.pk).update(
        status=DataExport.Status.RUNNING, attempts=1, progress=40,
        heartbeat=timezone.now() - export.stale_after() - timedelta(seconds=1),
    )
    partial = default_storage.save(f"exports/{user.pk}/{job.pk}/anamnesis.zip",
                                   ContentFile(b"PK half"))
    fresh = DataExport.objects.create(user=alice_data.user, status=DataExport.Status.RUNNING,
                                      attempts=1, heartbeat=timezone.now())
    assert sweep_stale_exports() == {"retried": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == DataExport.Status.PENDING and not default_storage.exists(partial)
    assert queued[-1] == (str(job.pk),)
    fresh.refresh_from_db()
    assert fresh.status == DataExport.Status.RUNNING  # still beating: left alone
    fresh.delete()

    # The retry is killed as well: then it fails, saying why.
    build_export(str(job.pk))
    DataExport.objects.filter(pk=job.pk).update(
        status=DataExport.Status.RUNNING,
        heartbeat=timezone.now() - export.stale_after() - timedelta(seconds=1),
    )
    job.refresh_from_db()
    assert job.attempts == 2
    assert sweep_stale_exports() == {"retried": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == DataExport.Status.FAILED and "stopped unexpectedly" in job.error
    assert files_under(f"exports/{user.pk}/{job.pk}") == []


def test_a_lost_enqueue_is_queued_again(user, alice_data, queued):
    from datetime import timedelta

    job = DataExport.objects.create(user=user)  # queued, but the broker never got it
    DataExport.objects.filter(pk=job.pk).update(
        created=timezone.now() - export.stale_after() - timedelta(minutes=1))
    assert export.sweep_stale() == {"retried": 1, "failed": 0}
    build_export(*queued[-1])
    job.refresh_from_db()
    assert job.status == DataExport.Status.DONE


def test_an_erase_the_storage_fails_leaves_a_usable_account(user, alice_data, monkeypatch):
    def storage_down(name):
        raise OSError("storage unreachable")

    monkeypatch.setattr(default_storage, "delete", storage_down)
    with pytest.raises(OSError):
        erase.erase_account(user)
    user.refresh_from_db()
    assert user.is_active  # can sign in and erase again
    monkeypatch.undo()
    erase.erase_account(user)
    assert not User.objects.filter(email="alice@example.com").exists()
