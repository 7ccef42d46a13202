"""No document stuck: a job killed mid-way (timeout, out of memory) or an enqueue lost after
the upload leaves a row that the periodic sweeper queues again, then fails with the reason."""

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.exceptions import TimeoutException
from django_q.models import Schedule

from documents import pipeline, status, sweeper, tasks
from documents.models import Document

from .conftest import LIPID_EN, text_pdf, upload
from .test_pipeline import make_document

pytestmark = pytest.mark.django_db


def age(document, delta):
    """As if nobody had touched the row for `delta`."""
    Document.objects.filter(pk=document.pk).update(updated=timezone.now() - delta)
    document.refresh_from_db()


@pytest.fixture
def jobs_run_here(monkeypatch, settings):
    """The broker runs each queued job at once, in this process (django-q2's sync mode)."""
    settings.ANTHROPIC_API_KEY = ""
    monkeypatch.setattr(Conf, "SYNC", True)


def killed_mid_job(user, minutes=20):
    """A document whose worker died while processing it: claimed, then nothing."""
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    assert status.start_processing(document)
    status.set_stage(document, "ocr")
    age(document, timedelta(minutes=minutes))
    return document


def test_the_sweeper_runs_on_a_django_q_schedule():
    schedule = Schedule.objects.get(name="documents: sweep stale documents")
    module, function = schedule.func.rsplit(".", 1)
    assert getattr(importlib.import_module(module), function) is sweeper.sweep_stale_documents
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 5
    assert schedule.repeats == -1


def test_a_document_whose_worker_died_is_processed_again(user, jobs_run_here):
    document = killed_mid_job(user)
    assert sweeper.sweep_stale_documents() == {"requeued": 1, "failed": 0}
    document.refresh_from_db()
    assert document.status == "completed", document.error
    assert document.attempts == 2 and document.metadata["sweeps"] == 1
    assert "atorvastatin" in document.extracted_text


def test_a_job_stopped_by_the_django_q_timeout_is_recovered(user, monkeypatch, jobs_run_here):
    # django-q2 raises its SystemExit-derived timeout inside the job: no `except Exception`
    # sees it, so the row is left "processing" until the sweeper comes.
    def times_out(document):
        raise TimeoutException("Task exceeded maximum timeout value (600 seconds)")

    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "process", times_out)
        with pytest.raises(TimeoutException):
            tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.status == "processing"
    age(document, sweeper.STALE_PROCESSING + timedelta(minutes=1))
    assert sweeper.sweep_stale_documents() == {"requeued": 1, "failed": 0}
    document.refresh_from_db()
    assert document.status == "completed" and document.attempts == 2


def test_an_enqueue_lost_after_upload_is_queued_again(signed_in_client, user, monkeypatch,
                                                      django_capture_on_commit_callbacks,
                                                      jobs_run_here):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks, "async_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client.post("/documents/", {"files": [upload("a.pdf", text_pdf(
            LIPID_EN))]})
    assert response.status_code == 302  # the upload itself succeeded
    document = Document.objects.get()
    assert document.status == "pending"

    monkeypatch.undo()
    monkeypatch.setattr(Conf, "SYNC", True)
    assert sweeper.sweep_stale_documents() == {"requeued": 0, "failed": 0}  # not stale yet
    age(document, sweeper.STALE_PENDING + timedelta(minutes=1))
    assert sweeper.sweep_stale_documents() == {"requeued": 1, "failed": 0}
    document.refresh_from_db()
    assert document.status == "completed"


def test_fresh_and_finished_documents_are_left_alone(user):
    running = killed_mid_job(user, minutes=3)  # a job may still be at work on it
    done = make_document(user, b"x", "text/plain", "done.txt")
    Document.objects.filter(pk=done.pk).update(status="completed")
    age(done, timedelta(days=3))
    assert sweeper.sweep_stale_documents() == {"requeued": 0, "failed": 0}
    running.refresh_from_db()
    assert running.status == "processing" and running.stage == "ocr"


def test_retries_are_bounded_then_the_document_fails_with_the_reason(user, monkeypatch):
    queued = []
    # No worker here: the queued ids are recorded, and each "worker" dies after claiming.
    monkeypatch.setattr(tasks, "enqueue", queued.append)
    document = killed_mid_job(user)
    for sweep in range(1, sweeper.MAX_SWEEPS + 1):
        assert sweeper.sweep_stale_documents() == {"requeued": 1, "failed": 0}
        document.refresh_from_db()
        assert document.status == "pending" and document.metadata["sweeps"] == sweep
        assert "queued again" in document.error
        assert status.start_processing(document)  # the next worker takes it, then dies too
        age(document, timedelta(minutes=20))
    assert sweeper.sweep_stale_documents() == {"requeued": 0, "failed": 1}
    document.refresh_from_db()
    assert document.status == "failed" and not document.is_busy
    assert "stopped without finishing" in document.error
    assert queued == [document.pk] * sweeper.MAX_SWEEPS


def test_a_document_out_of_attempts_fails_at_once(user, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue", lambda pk: pytest.fail("no more attempts"))
    document = killed_mid_job(user)
    Document.objects.filter(pk=document.pk).update(attempts=tasks.MAX_ATTEMPTS)
    age(document, timedelta(minutes=20))
    assert sweeper.sweep_stale_documents() == {"requeued": 0, "failed": 1}
    assert Document.objects.get().status == "failed"


def test_the_reason_is_in_the_users_language(user, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue", lambda pk: None)
    user.language = "ru"
    user.save(update_fields=["language"])
    document = killed_mid_job(user)
    sweeper.sweep_stale_documents()
    document.refresh_from_db()
    assert "снова поставлен в очередь" in document.error


def test_a_second_job_for_the_same_document_does_nothing(user, jobs_run_here):
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf")
    assert tasks.process_document(document.pk) == "completed"
    assert tasks.process_document(document.pk) == "skipped"  # e.g. a retry racing a sweep
    document.refresh_from_db()
    assert document.status == "completed" and document.attempts == 1


def test_reindex_starts_the_sweep_count_again(user, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue", lambda pk: None)
    document = killed_mid_job(user)
    sweeper.sweep_stale_documents()
    document.refresh_from_db()
    assert document.metadata["sweeps"] == 1
    tasks.reindex(document)
    document.refresh_from_db()
    assert "sweeps" not in document.metadata and document.attempts == 0
