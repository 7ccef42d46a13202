"""django-q2 entry points, run by the schedules created in migration 0003. Tiny on purpose."""

from . import delivery, digest, review


def deliver_due_notifications() -> int:
    """Every minute, a pass of just under a minute: whatever is due goes out."""
    return delivery.delivery_pass()


def run_daily_reviews() -> int:
    """Every few minutes: users whose review hour has come get their review queued."""
    return review.queue_due_reviews()


def review_user(user_id) -> int:
    return review.review_user_by_id(user_id)


def send_digests() -> int:
    return digest.send_due_digests()
