"""Saving, stopping and finishing medications. Their reminders live in notifications,
which keeps them in step through `hooks.medication_changed` (see notifications/
medication_reminders.py)."""

from django.db import transaction
from django.utils import timezone

from accounts.locale import zone_of

from . import hooks
from .models import Medication


def has_ended(medication, now=None) -> bool:
    if medication.end_date is None:
        return False
    today = (now or timezone.now()).astimezone(zone_of(medication.user)).date()
    return medication.end_date < today


def save(medication) -> Medication:
    with transaction.atomic():
        medication.save()
        hooks.changed(medication)
    return medication


def stop(medication, now=None) -> None:
    """No more doses after today: inactive, ending today at the latest, no reminders."""
    today = (now or timezone.now()).astimezone(zone_of(medication.user)).date()
    with transaction.atomic():
        medication.is_active = False
        if medication.end_date is None or medication.end_date > today:
            medication.end_date = today
        medication.save(update_fields=["is_active", "end_date", "updated"])
        hooks.changed(medication)


def remove(medication) -> None:
    """Deleting (the admin): its reminders go first."""
    with transaction.atomic():
        medication.is_active = False
        hooks.changed(medication)
        medication.delete()


def finish_ended_courses(now=None) -> int:
    """Medications whose end date has passed stop reminding (the series would go on)."""
    finished = 0
    for medication in Medication.objects.filter(is_active=True, end_date__isnull=False) \
            .select_related("user"):
        if has_ended(medication, now):
            medication.is_active = False
            medication.save(update_fields=["is_active", "updated"])
            hooks.changed(medication)
            finished += 1
    return finished
