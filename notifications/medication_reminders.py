"""A medication's dose reminders: one recurring series per dose time, in the user's
timezone, replaced whenever the medication changes (memory.hooks.medication_changed,
registered in apps.py); and the in-app nudges after doses were missed and when the stock
runs low."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from accounts.locale import user_language, zone_of
from memory.dose_schedule import crons, local_start
from memory.medications import has_ended

from . import reminders
from .models import Notification


def pending(medication):
    return Notification.objects.filter(
        user_id=medication.user_id, status=Notification.Status.PENDING,
        metadata__medication=str(medication.pk),
    )


def reminder_text(medication) -> tuple[str, str]:
    """The title and body of a dose reminder, in the user's language."""
    with user_language(medication.user):
        title = _("Time to take %(name)s") % {"name": str(medication)}
        body = " · ".join(part for part in (medication.dose, medication.instructions) if part)
    return title[:200], body


def sync(medication) -> list[Notification]:
    """Replaces the medication's pending reminders with one recurring series per dose time."""
    with transaction.atomic():
        pending(medication).delete()
        if not medication.is_scheduled or has_ended(medication):
            return []
        title, body = reminder_text(medication)
        start = None
        if medication.start_date:
            start = local_start(medication.start_date, zone_of(medication.user))
        return [
            reminders.create(
                medication.user, title=title, body=body, recurrence=expression,
                scheduled_at=start, type=Notification.Type.REMINDER,
                metadata={"medication": str(medication.pk), "dose_time": label,
                          "source": "medication"},
            )
            for expression, label in crons(medication)
        ]


def nudge_missed(user, events) -> Notification | None:
    """One in-app note listing the doses that were just missed."""
    if not events:
        return None
    zone = zone_of(user)
    with user_language(user), timezone.override(zone):
        lines = [f"{event.medication} — {time_format(event.scheduled_for.astimezone(zone))}"
                 for event in sorted(events, key=lambda event: event.scheduled_for)]
        title = (_("Missed dose: %(name)s") % {"name": events[0].medication}
                 if len(events) == 1 else _("%(count)s missed doses") % {"count": len(events)})
        body = "\n".join(lines) + "\n" + _(
            "If you took them, mark them as taken on the medication page.")
    return reminders.create(
        user, title=title, body=body, channel=Notification.Channel.IN_APP,
        type=Notification.Type.ALERT, metadata={"kind": "missed_doses"},
    )


def nudge_stock_low(medication, current) -> Notification:
    """One in-app alert when a medication's stock runs out within its warning days (its
    metadata does not name it as `medication`: that marks the dose reminders)."""
    user = medication.user
    with user_language(user), timezone.override(zone_of(user)):
        title = _("Running low: %(name)s") % {"name": medication}
        if current.runs_out and current.left > 0:
            body = _("About %(left)s left, enough until %(date)s. Time to get a refill.") % {
                "left": f"{current.left.normalize():f}",
                "date": date_format(current.runs_out, "DATE_FORMAT")}
        else:
            body = _("None left by the doses taken since you last counted. Time to get a "
                     "refill, then count the new pack on the medication page.")
    return reminders.create(
        user, title=title, body=body, channel=Notification.Channel.IN_APP,
        type=Notification.Type.ALERT,
        metadata={"kind": "stock_low", "stock_of": str(medication.pk)},
    )
