"""django-q2 entry points, run by the schedules created in migration 0003. Tiny on purpose."""

from . import delivery, digest, review

DELIVERY_SCHEDULE = "notifications: deliver due"


def deliver_due_notifications() -> int:
    """Every minute: a delivery pass that lasts until the scheduler queues the next one."""
    return delivery.delivery_pass(stop=_until_the_next_pass_is_queued())


def _until_the_next_pass_is_queued():
    """A `stop` for the pass: true once the schedule's next run has moved past this pass's.

    This pass's own next run is the first one later than its start. django-q2's scheduler
    queues the pass *before* it commits the schedule's new next run (one transaction over
    all schedules; with Redis the task is visible at once), so a pass may start while the
    schedule still shows the run that queued it. Taking that value for its own made the
    pass end at its first look, when the scheduler committed, leaving no pass running for
    the rest of the minute (measured: reminders ~55 s late, bench/scale_out.py).
    """
    from django.utils import timezone

    started = timezone.now()
    own = None

    def stop() -> bool:
        nonlocal own
        current = _next_delivery_run()
        if own is None:
            if current is not None and current > started:
                own = current
            return False
        return current != own

    stop()
    return stop


def _next_delivery_run():
    from django_q.models import Schedule

    return (
        Schedule.objects.filter(name=DELIVERY_SCHEDULE).values_list("next_run", flat=True).first()
    )


def run_daily_reviews() -> int:
    """Every few minutes: users whose review hour has come get their review queued."""
    return review.queue_due_reviews()


def review_user(user_id) -> int:
    return review.review_user_by_id(user_id)


def send_digests() -> int:
    return digest.send_due_digests()


def sweep_stale_deliveries() -> dict:
    """Every five minutes, also when no delivery pass runs: rows a killed worker left."""
    return delivery.sweep_stale()
