"""Creating and acting on notifications: the one path used by pages, the tool, the bot
and the daily review."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import live
from .models import Notification, NotificationPreference
from .schedule import is_valid_cron, next_occurrence

SNOOZE = timedelta(hours=1)
PAST_TOLERANCE = timedelta(minutes=5)
# What the assistant and the pages may schedule: at most hourly, and this many waiting
# reminders a user (a reminder every minute, or thousands of them, would slow everyone's:
# delivery is shared). The Django admin is not held to them.
MAX_PENDING = 50


def check_schedule(recurrence: str) -> None:
    """Reminders of the assistant and of the pages repeat at most hourly: one fixed minute
    in the cron."""
    recurrence = " ".join((recurrence or "").split())
    if not recurrence:
        return
    if not is_valid_cron(recurrence):
        raise ValidationError(
            _("“%(value)s” is not a valid schedule (a cron expression such as 0 8 * * *).")
            % {"value": recurrence}
        )
    if not recurrence.split()[0].isdigit():
        raise ValidationError(
            _("“%(value)s” repeats more often than hourly; reminders can repeat at most "
              "once an hour (give one fixed minute, e.g. 0 * * * *).") % {"value": recurrence}
        )


def pending_count(user) -> int:
    return Notification.objects.for_user(user).filter(status=Notification.Status.PENDING).count()


def check_cap(user, waiting: int = 0) -> None:
    """Raises when the user already has as many pending reminders as the assistant may make.

    `waiting` counts proposals not confirmed yet, which would become pending ones.
    """
    if pending_count(user) + waiting >= MAX_PENDING:
        raise ValidationError(
            _("There are already %(count)s pending reminders; cancel some before adding more.")
            % {"count": MAX_PENDING}
        )


def create(user, *, title: str, body: str = "", scheduled_at: datetime | None = None,
           recurrence: str = "", channel: str = "", type: str = Notification.Type.REMINDER,
           metadata: dict | None = None) -> Notification:
    """A pending notification; its channel defaults to the user's choice for its type.

    A recurring one starts at the first occurrence after `scheduled_at` (or now).
    """
    title, recurrence, channel, scheduled_at = _validated(
        user, title, recurrence, channel, type, scheduled_at)
    return Notification.objects.create(
        user=user, title=title, body=body or "", type=type, channel=channel,
        scheduled_at=scheduled_at, recurrence=recurrence, metadata=metadata or {},
    )


def update(notification, *, title: str, body: str, scheduled_at: datetime, recurrence: str,
           channel: str, series: dict) -> Notification:
    """A pending reminder changed by its owner: what, when, how often, until when. The
    series' own keys (notifications/series.py) are replaced; the rest of its metadata stays."""
    from .series import SERIES_KEYS

    title, recurrence, channel, scheduled_at = _validated(
        notification.user, title, recurrence, channel, notification.type, scheduled_at)
    kept = {key: value for key, value in (notification.metadata or {}).items()
            if key not in SERIES_KEYS}
    notification.title, notification.body, notification.channel = title, body or "", channel
    notification.recurrence, notification.scheduled_at = recurrence, scheduled_at
    notification.metadata = {**kept, **series}
    notification.save(update_fields=["title", "body", "channel", "recurrence", "scheduled_at",
                                     "metadata"])
    return notification


def _validated(user, title, recurrence, channel, type, scheduled_at):
    title = (title or "").strip()
    recurrence = " ".join((recurrence or "").split())
    if not title:
        raise ValidationError(_("A reminder needs a title."))
    if recurrence and not is_valid_cron(recurrence):
        raise ValidationError(
            _("“%(value)s” is not a valid schedule (a cron expression such as 0 8 * * *).")
            % {"value": recurrence}
        )
    if type not in Notification.Type.values:
        raise ValidationError(_("Unknown notification type."))
    channel = channel or NotificationPreference.for_user(user).channel_for(type)
    if channel not in Notification.Channel.values:
        raise ValidationError(_("Unknown channel."))
    now = timezone.now()
    if recurrence:
        start = scheduled_at if scheduled_at and scheduled_at > now else now
        scheduled_at = next_occurrence(recurrence, start - timedelta(seconds=1), user.zone)
    elif scheduled_at is not None and scheduled_at < now - PAST_TOLERANCE:
        raise ValidationError(_("That time has already passed."))
    return title[:200], recurrence, channel, scheduled_at or now


def save_read(notification, fields=()) -> None:
    """Saves `fields`, marking the notification read if it was not yet, and tells the
    user's open pages. Every answer to a notification (read, done, a dose) ends here."""
    fields = list(fields)
    if notification.status in (Notification.Status.SENT, Notification.Status.DELIVERED):
        notification.status = Notification.Status.READ
        notification.read_at = timezone.now()
        fields += ["status", "read_at"]
    if fields:
        notification.save(update_fields=fields)
        live.announce(notification.user_id)


def mark_read(notification) -> None:
    save_read(notification)


def mark_all_read(user) -> int:
    count = Notification.objects.unread_for(user).update(
        status=Notification.Status.READ, read_at=timezone.now()
    )
    if count:
        live.announce(user.pk)
    return count


def mark_done(notification) -> None:
    """“Done” (a taken medication): recorded on the notification and shown in the app."""
    if notification.metadata.get("done_at"):
        return
    notification.metadata["done_at"] = timezone.now().isoformat()
    save_read(notification, ["metadata"])


def snooze(notification) -> Notification:
    """Sends the same reminder again in an hour, once (a recurring series goes on as is)."""
    with transaction.atomic():
        again = Notification.objects.create(
            user_id=notification.user_id, title=notification.title, body=notification.body,
            type=notification.type, channel=notification.channel,
            scheduled_at=timezone.now() + SNOOZE,
            metadata={"snoozed_from": str(notification.pk)},
        )
        notification.metadata["snoozed_until"] = again.scheduled_at.isoformat()
        notification.save(update_fields=["metadata"])
    return again
