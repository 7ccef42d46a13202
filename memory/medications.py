"""Medications and their reminders: saving a schedule replaces its pending reminder series
with fresh ones (the notifications app delivers them); stopping ends them."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import reminders
from notifications.models import Notification
from notifications.schedule import user_zone

from .dose_schedule import crons, local_start
from .models import Medication


def pending_reminders(medication):
    return Notification.objects.filter(
        user_id=medication.user_id, status=Notification.Status.PENDING,
        metadata__medication=str(medication.pk),
    )


def reminder_text(medication) -> tuple[str, str]:
    """The title and body of a dose reminder, in the user's language."""
    with translation.override(medication.user.language or "en"):
        title = _("Time to take %(name)s") % {"name": str(medication)}
        body = " · ".join(part for part in (medication.dose, medication.instructions) if part)
    return title[:200], body


def has_ended(medication, now=None) -> bool:
    if medication.end_date is None:
        return False
    today = (now or timezone.now()).astimezone(user_zone(medication.user)).date()
    return medication.end_date < today


def sync_reminders(medication) -> list[Notification]:
    """Replaces the medication's pending reminders with one recurring series per dose time."""
    with transaction.atomic():
        pending_reminders(medication).delete()
        if not medication.is_scheduled or has_ended(medication):
            return []
        title, body = reminder_text(medication)
        zone = user_zone(medication.user)
        start = None
        if medication.start_date:
            start = local_start(medication.start_date, zone)
        created = []
        for expression, label in crons(medication):
            created.append(reminders.create(
                medication.user, title=title, body=body, recurrence=expression,
                scheduled_at=start, type=Notification.Type.REMINDER,
                metadata={"medication": str(medication.pk), "dose_time": label,
                          "source": "medication"},
            ))
        return created


def save(medication) -> Medication:
    with transaction.atomic():
        medication.save()
        sync_reminders(medication)
    return medication


def stop(medication, now=None) -> None:
    """No more doses from today: inactive, ended yesterday at the latest, no reminders."""
    today = (now or timezone.now()).astimezone(user_zone(medication.user)).date()
    with transaction.atomic():
        medication.is_active = False
        if medication.end_date is None or medication.end_date > today:
            medication.end_date = today
        medication.save(update_fields=["is_active", "end_date", "updated"])
        pending_reminders(medication).delete()


def finish_ended_courses(now=None) -> int:
    """Medications whose end date has passed stop reminding (the series would go on)."""
    finished = 0
    for medication in Medication.objects.filter(is_active=True, end_date__isnull=False) \
            .select_related("user"):
        if has_ended(medication, now):
            medication.is_active = False
            medication.save(update_fields=["is_active", "updated"])
            pending_reminders(medication).delete()
            finished += 1
    return finished
