"""django-q2 entry points, run by the schedules created in migration 0003. Tiny on purpose."""

from . import delivery, digest, review

DELIVERY_SCHEDULE = "notifications: deliver due"


def deliver_due_notifications() -> int:
    """Every minute: a delivery pass that lasts until the scheduler queues the next one."""
    started_with = _next_delivery_run()
    return delivery.delivery_pass(stop=lambda: _next_delivery_run() != started_with)


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
