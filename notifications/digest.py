"""The optional email digest: what is coming up and what was missed, daily or weekly."""

import logging
from datetime import datetime, timedelta

from constance import config
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone

from . import mail
from .messages import digest_parts
from .models import Notification, NotificationPreference

MONDAY = 0
log = logging.getLogger(__name__)


def send_due_digests(now: datetime | None = None) -> int:
    """From the review hour in each user's timezone (weekly ones on Mondays), once a day.

    The day is claimed before sending, so two workers never send it twice; a send that
    fails gives the claim back, and a later pass of the same day tries again (the mail
    server may be back), instead of the day's digest being lost."""
    now = now or timezone.now()
    sent = 0
    preferences = NotificationPreference.objects.exclude(
        digest=NotificationPreference.Digest.OFF
    ).select_related("user").filter(user__is_active=True)
    for preference in preferences:
        local = now.astimezone(preference.user.zone)
        if local.hour < config.daily_review_hour:
            continue
        weekly = preference.digest == NotificationPreference.Digest.WEEKLY
        if weekly and local.weekday() != MONDAY:
            continue
        claimed = NotificationPreference.objects.filter(
            Q(last_digest_on__isnull=True) | Q(last_digest_on__lt=local.date()), pk=preference.pk
        ).update(last_digest_on=local.date())
        if not claimed:
            continue
        try:
            sent += send_digest(preference.user, now, timedelta(days=7 if weekly else 1))
        except Exception:  # the mail server's trouble: this user's digest waits for a retry
            log.warning("digest for %s not sent; a later pass retries", preference.user_id,
                        exc_info=True)
            NotificationPreference.objects.filter(
                pk=preference.pk, last_digest_on=local.date()
            ).update(last_digest_on=preference.last_digest_on)
    return sent


def send_digest(user, now: datetime, period: timedelta) -> bool:
    """Sends the digest unless there is nothing to say."""
    mine = Notification.objects.for_user(user)
    upcoming = list(
        mine.filter(status=Notification.Status.PENDING, scheduled_at__gt=now,
                    scheduled_at__lte=now + period).order_by("scheduled_at")[:50]
    )
    missed = list(
        mine.filter(
            Q(status=Notification.Status.FAILED)
            | Q(channel=Notification.Channel.IN_APP,
                status__in=[Notification.Status.SENT, Notification.Status.DELIVERED]),
            scheduled_at__gt=now - period, scheduled_at__lte=now,
        ).order_by("scheduled_at")[:50]
    )
    if (not upcoming and not missed) or not user.email:
        return False
    period_name = "weekly" if period.days > 1 else "daily"
    subject, text, html = digest_parts(user, upcoming, missed, period_name)
    message = EmailMultiAlternatives(subject, text, mail.from_address(), [user.email])
    message.attach_alternative(html, "text/html")
    mail.send(message)
    return True
