"""django-q2 entry points, run by the schedules created in migration 0003. Tiny on purpose."""

import uuid

from django.utils import timezone

from . import delivery, digest, review
from .models import DeliveryPass

DELIVERY_SCHEDULE = "notifications: deliver due"


PASS_SECONDS = 300  # a pass whose successor is late (queued behind long jobs) goes on this long


def deliver_due_notifications() -> int:
    """Every minute: a delivery pass that lasts until the next one has started."""
    return delivery.delivery_pass(seconds=PASS_SECONDS, stop=_until_a_newer_pass_starts())


def _until_a_newer_pass_starts():
    """Records this pass as the latest; its `stop` is true once a newer pass has recorded
    itself. Ending when the next pass was merely *queued* left no pass running while that
    one waited in the queue behind document jobs (measured: 23 s, bench/scale_out.py), and
    reading the schedule's next run raced django-q2's scheduler, which queues the pass before
    it commits the next run: with Redis a pass could start, take that commit for the next
    pass and end after 5 s, leaving reminders ~55 s late."""
    token = uuid.uuid4()
    DeliveryPass.objects.update_or_create(pk=1, defaults={"token": token,
                                                         "started": timezone.now()})
    return lambda: not DeliveryPass.objects.filter(pk=1, token=token).exists()


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
