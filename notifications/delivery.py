"""Delivery: find due notifications, claim each atomically, send it on its channel,
retry failures, record the outcome and schedule the next occurrence of a recurring one.

Exactly once where it can be, at most once where it cannot:

- The claim is one conditional UPDATE, so two workers never send the same row. Its lease
  (CLAIM_SECONDS) runs from the moment of that claim, not from the start of the pass, so a
  long pass never hands out a lease that has already run out.
- Just before the send the row becomes "sending" with a fresh delivery key (again one
  conditional UPDATE, which also checks the lease is still ours); the outcome is recorded
  only on the row carrying that key.
- A worker killed between the send and the record (OOM, the job timeout, a restart) leaves
  a "sending" row behind. Whether the message went out cannot be known, so when its lease
  has run out (`recover_interrupted`): an in-app notification is the row itself and is
  recorded as sent; an email or a Telegram message is marked failed with the reason and
  NOT sent again — for outward channels we choose at most once over a possible duplicate
  (a second "take your pills" can be worse than a missed one, which the user sees as
  failed in the app). A recurring series goes on with its next occurrence either way.
"""

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import channels, series
from .models import Notification, NotificationPreference
from .schedule import quiet_until

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
CLAIM_SECONDS = 120
RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5)]
BATCH = 2000
QUIET_CHANNELS = {
    Notification.Channel.EMAIL, Notification.Channel.TELEGRAM, Notification.Channel.PUSH
}


def due_notifications(now: datetime):
    """Pending rows whose time has come (no time means now) and that nobody holds."""
    return Notification.objects.filter(
        Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now),
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status=Notification.Status.PENDING,
    )


def _moment(now: datetime) -> datetime:
    """The time a lease starts: now on the clock (never before the pass's `now`, which tests
    and a pass may set ahead)."""
    return max(now, timezone.now())


def claim(pk, now: datetime) -> bool:
    """Takes one due row for this worker; its lease runs from this moment."""
    moment = _moment(now)
    updated = due_notifications(moment).filter(pk=pk).update(
        claimed_until=moment + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1
    )
    return updated == 1


def deliver_due(now: datetime | None = None) -> int:
    """Delivers every due notification; returns how many were sent."""
    now = now or timezone.now()
    sweep_stale(now)
    ids = list(due_notifications(now).order_by("scheduled_at").values_list("pk", flat=True)[:BATCH])
    sent = 0
    for pk in ids:
        if claim(pk, now):
            sent += deliver(pk, now)
    return sent


INTERRUPTED = ("Delivery was interrupted after the message was handed over; it is not sent "
               "again so that it cannot arrive twice.")


ABANDONED = ("Delivery was interrupted %(attempts)s times before the message could be sent "
             "(the worker stopped); it is not tried again.")


def sweep_stale(now: datetime | None = None) -> dict:
    """Rows a dead worker left behind: "sending" ones (see `recover_interrupted`) and pending
    ones whose every claim ended without an outcome (each kill took a claim; after
    MAX_ATTEMPTS of them the row fails with the reason instead of looping forever)."""
    now = now or timezone.now()
    recovered = recover_interrupted(now)
    abandoned = 0
    for notification in Notification.objects.filter(
        status=Notification.Status.PENDING, attempts__gte=MAX_ATTEMPTS, claimed_until__lt=now
    ).select_related("user"):
        with transaction.atomic():
            if Notification.objects.filter(
                pk=notification.pk, status=Notification.Status.PENDING,
                attempts=notification.attempts, claimed_until__lt=now,
            ).update(status=Notification.Status.FAILED, claimed_until=None,
                     error=ABANDONED % {"attempts": notification.attempts}):
                schedule_next(notification, now)
                abandoned += 1
    if abandoned:
        log.warning("%d notifications failed after interrupted deliveries", abandoned)
    return {"recovered": recovered, "abandoned": abandoned}


def recover_interrupted(now: datetime | None = None) -> int:
    """Rows left "sending" by a worker that died, once their lease has run out (see the
    module docstring for why outward channels are not resent). Returns how many."""
    now = now or timezone.now()
    stale = Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_until__lt=now
    ).select_related("user")
    recovered = 0
    for notification in stale:
        finished = Notification.objects.filter(
            pk=notification.pk, status=Notification.Status.SENDING,
            delivery_key=notification.delivery_key,
        )
        with transaction.atomic():
            if notification.channel == Notification.Channel.IN_APP:
                changed = finished.update(status=Notification.Status.SENT, sent_at=now,
                                          claimed_until=None, error="")
            else:
                changed = finished.update(status=Notification.Status.FAILED, claimed_until=None,
                                          error=INTERRUPTED)
            if changed:
                schedule_next(notification, now)
                recovered += 1
        if changed:
            log.warning("Notification %s was left sending by a stopped worker: %s",
                        notification.pk, "recorded as sent" if notification.channel ==
                        Notification.Channel.IN_APP else "failed, not resent")
    return recovered


def delivery_pass(seconds: float = 90, every: float = 5, stop=lambda: False,
                  sleep=time.sleep, clock=time.monotonic) -> int:
    """Delivers due notifications every `every` seconds until `stop()` or `seconds` pass.

    django-q2 runs a schedule at most once a minute and up to 30 s late; a pass that lasts
    until the next one has started (`stop`, see tasks.py) leaves no gap, so reminders go out
    within `every` seconds of their time instead of up to a minute and a half.
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
    if not _start_sending(notification, now):
        return False  # our lease ran out and another worker has the row now
    mine = Notification.objects.filter(
        pk=pk, status=Notification.Status.SENDING, delivery_key=notification.delivery_key
    )
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
            mine.update(status=Notification.Status.PENDING, delivery_key=None,
                        claimed_until=_moment(now) + delay, error=reason[:2000])
        return False
    _record_sent(notification, mine, now)
    transaction.on_commit(lambda: channel.delivered(notification))
    return True


def _start_sending(notification, now: datetime) -> bool:
    """Marks the claimed row "sending" with a new delivery key, if the lease is still ours."""
    moment = _moment(now)
    key = uuid.uuid4()
    updated = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.PENDING, claimed_until__gte=moment,
        attempts=notification.attempts,
    ).update(status=Notification.Status.SENDING, delivery_key=key,
             claimed_until=moment + timedelta(seconds=CLAIM_SECONDS))
    notification.delivery_key = key
    return updated == 1


def _record_sent(notification, mine, now: datetime) -> None:
    with transaction.atomic():
        recorded = mine.update(
            status=Notification.Status.SENT, sent_at=timezone.now(), claimed_until=None,
            error="", metadata=notification.metadata,
        )
        if recorded:  # else the sweeper already settled it, and continued the series
            schedule_next(notification, now)


def _fail(notification, reason: str) -> None:
    with transaction.atomic():
        failed = Notification.objects.filter(
            pk=notification.pk, status=Notification.Status.SENDING,
            delivery_key=notification.delivery_key,
        ).update(status=Notification.Status.FAILED, claimed_until=None, error=reason[:2000])
        if not failed:
            return
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
    """The next occurrence of a recurring notification, as its own pending row; none when
    its series ends (an end date or a count, notifications/series.py)."""
    if not notification.recurrence:
        return None
    after = max(now, notification.scheduled_at or now)
    at = series.next_time(notification, after)
    if at is None:
        return None
    metadata = {
        key: value for key, value in notification.metadata.items()
        if key not in {"telegram_message_id", "push_devices", "done_at", "snoozed_until"}
    }
    metadata.setdefault("series", str(notification.metadata.get("series") or notification.pk))
    return Notification.objects.create(
        user_id=notification.user_id,
        title=notification.title,
        body=notification.body,
        type=notification.type,
        channel=notification.channel,
        recurrence=notification.recurrence,
        scheduled_at=at,
        metadata=series.next_metadata(metadata),
    )
