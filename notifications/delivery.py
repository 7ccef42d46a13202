"""Delivery: find due notifications, claim each atomically, send it on its channel,
retry failures, record the outcome and schedule the next occurrence of a recurring one.

The claim is one conditional UPDATE, so two workers never send the same row; a claim
expires (CLAIM_SECONDS) so that a worker that died mid-way does not strand a row.
"""

import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import channels
from .models import Notification, NotificationPreference
from .schedule import next_occurrence, quiet_until

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
CLAIM_SECONDS = 120
RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5)]
BATCH = 2000
QUIET_CHANNELS = {Notification.Channel.EMAIL, Notification.Channel.TELEGRAM}


def due_notifications(now: datetime):
    """Pending rows whose time has come (no time means now) and that nobody holds."""
    return Notification.objects.filter(
        Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now),
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status=Notification.Status.PENDING,
    )


def claim(pk, now: datetime) -> bool:
    updated = due_notifications(now).filter(pk=pk).update(
        claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1
    )
    return updated == 1


def deliver_due(now: datetime | None = None) -> int:
    """Delivers every due notification; returns how many were sent."""
    now = now or timezone.now()
    ids = list(due_notifications(now).order_by("scheduled_at").values_list("pk", flat=True)[:BATCH])
    sent = 0
    for pk in ids:
        if claim(pk, now):
            sent += deliver(pk, now)
    return sent


def delivery_pass(seconds: float = 90, every: float = 5, stop=lambda: False,
                  sleep=time.sleep, clock=time.monotonic) -> int:
    """Delivers due notifications every `every` seconds until `stop()` or `seconds` pass.

    django-q2 runs a schedule at most once a minute and up to 30 s late; a pass that lasts
    until the next one is queued (`stop`) leaves no gap, so reminders go out within
    `every` seconds of their time instead of up to a minute and a half.
    """
    started = clock()
    sent = 0
    while True:
        sent += deliver_due()
        if stop() or clock() - started + every > seconds:
            return sent
        sleep(every)


def deliver(pk, now: datetime) -> bool:
    """Sends one claimed notification. True when it went out."""
    notification = Notification.objects.select_related("user").get(pk=pk)
    if notification.channel in QUIET_CHANNELS and _defer_for_quiet_hours(notification, now):
        return False
    channel = channels.get(notification.channel)
    try:
        channel.send(notification)
    except channels.PermanentFailure as error:
        _fail(notification, str(error))
        return False
    except Exception as error:  # any other failure may be temporary: retry, then fail
        log.warning("Delivering notification %s failed: %s", pk, error)
        reason = f"{type(error).__name__}: {error}"
        if notification.attempts >= MAX_ATTEMPTS:
            _fail(notification, reason)
        else:
            delay = RETRY_DELAYS[min(notification.attempts - 1, len(RETRY_DELAYS) - 1)]
            Notification.objects.filter(pk=pk).update(claimed_until=now + delay, error=reason)
        return False
    with transaction.atomic():
        Notification.objects.filter(pk=pk).update(
            status=Notification.Status.SENT, sent_at=timezone.now(), claimed_until=None,
            error="", metadata=notification.metadata,
        )
        schedule_next(notification, now)
    transaction.on_commit(lambda: channel.delivered(notification))
    return True


def _fail(notification, reason: str) -> None:
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED, claimed_until=None, error=reason[:2000]
        )
        # A recurring reminder goes on even when one occurrence could not be sent.
        schedule_next(notification, timezone.now())


def _defer_for_quiet_hours(notification, now: datetime) -> bool:
    preference = NotificationPreference.objects.filter(user=notification.user_id).first()
    if preference is None:
        return False
    until = quiet_until(
        now, preference.quiet_hours_start, preference.quiet_hours_end, notification.user.zone
    )
    if until is None:
        return False
    Notification.objects.filter(pk=notification.pk).update(
        scheduled_at=until, claimed_until=None, attempts=F("attempts") - 1
    )
    return True


def schedule_next(notification, now: datetime) -> Notification | None:
    """The next occurrence of a recurring notification, as its own pending row."""
    if not notification.recurrence:
        return None
    after = max(now, notification.scheduled_at or now)
    metadata = {
        key: value for key, value in notification.metadata.items()
        if key not in {"telegram_message_id", "done_at", "snoozed_until"}
    }
    metadata.setdefault("series", str(notification.metadata.get("series") or notification.pk))
    return Notification.objects.create(
        user_id=notification.user_id,
        title=notification.title,
        body=notification.body,
        type=notification.type,
        channel=notification.channel,
        recurrence=notification.recurrence,
        scheduled_at=next_occurrence(notification.recurrence, after, notification.user.zone),
        metadata=metadata,
    )
