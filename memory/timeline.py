"""One timeline of the health record: vitals, doses, medication changes and memory entries
from here, documents and lab results from the documents app (through
`hooks.timeline_sources`), newest first, each a small `Event`."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import hooks, vitals
from .models import (
    Allergy,
    Condition,
    DoseEvent,
    HealthPreference,
    Immunization,
    Medication,
    MemoryEntry,
    Vital,
)

KINDS = [
    ("document", gettext_lazy("Documents")),
    ("lab", gettext_lazy("Lab results")),
    ("vital", gettext_lazy("Vitals")),
    ("dose", gettext_lazy("Doses")),
    ("medication", gettext_lazy("Medication changes")),
    ("record", gettext_lazy("Conditions, allergies, vaccines")),
    ("memory", gettext_lazy("Memory")),
]
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}
PER_SOURCE = 500


@dataclass
class Event:
    when: datetime
    kind: str
    title: str
    detail: str = ""
    url: str = ""
    flagged: bool = False

    @property
    def day(self):
        """The day in the reader's timezone (the one activated for the request)."""
        return timezone.localtime(self.when).date()


def day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))  # midday: the right local day


def _vitals(user, since):
    preference = HealthPreference.for_user(user)
    rows = Vital.objects.for_user(user)
    if since:
        rows = rows.filter(measured_at__gte=since)
    for vital in rows.order_by("-measured_at")[:PER_SOURCE]:
        reading = vitals.reading(vital, preference)
        yield "vital", Event(
            vital.measured_at, "vital",
            f"{vital.get_kind_display()}: {reading.text} {reading.unit}", vital.note,
            reverse("memory:vitals") + f"?kind={vital.kind}#vital-{vital.pk}")


def _doses(user, since):
    rows = DoseEvent.objects.for_user(user).select_related("medication")
    if since:
        rows = rows.filter(scheduled_for__gte=since)
    for event in rows.order_by("-scheduled_for")[:PER_SOURCE]:
        yield "dose", Event(
            event.scheduled_for, "dose",
            f"{event.medication}: {str(event.get_state_display()).lower()}",
            str(event.get_via_display()),
            reverse("memory:medication", args=[event.medication_id]),
            event.state == DoseEvent.State.MISSED)


def _medications(user, since):
    for medication in Medication.objects.for_user(user)[:PER_SOURCE]:
        url = reverse("memory:medication", args=[medication.pk])
        started = day_start(medication.start_date) if medication.start_date \
            else medication.created
        if not since or started >= since:
            yield "medication", Event(started, "medication",
                                      _("Started %(name)s") % {"name": medication},
                                      medication.dose, url)
        if not medication.is_active and medication.end_date:
            stopped = day_start(medication.end_date)
            if not since or stopped >= since:
                yield "medication", Event(stopped, "medication",
                                          _("Stopped %(name)s") % {"name": medication}, "", url)


def _memory(user, since):
    rows = MemoryEntry.objects.for_user(user).only("title", "content", "created", "category")
    if since:
        rows = rows.filter(created__gte=since)
    for entry in rows.order_by("-created")[:PER_SOURCE]:
        yield "memory", Event(entry.created, "memory", entry.title,
                              str(entry.get_category_display()),
                              reverse("memory:detail", args=[entry.pk]))


def _record(user, since):
    """Conditions from their onset (and end), allergies from their onset, vaccines on their
    day; undated ones are not placed on the timeline."""
    def within(moment):
        return not since or moment >= since

    url = reverse("memory:conditions")
    for condition in Condition.objects.for_user(user).exclude(onset=None)[:PER_SOURCE]:
        started = day_start(condition.onset)
        if within(started):
            yield "record", Event(started, "record",
                                  _("Condition: %(name)s") % {"name": condition.name},
                                  str(condition.get_status_display()),
                                  f"{url}#entry-{condition.pk}")
        if condition.abated and within(day_start(condition.abated)):
            yield "record", Event(day_start(condition.abated), "record",
                                  _("Ended: %(name)s") % {"name": condition.name}, "",
                                  f"{url}#entry-{condition.pk}")
    url = reverse("memory:allergies")
    for allergy in Allergy.objects.for_user(user).exclude(onset=None)[:PER_SOURCE]:
        if within(day_start(allergy.onset)):
            yield "record", Event(day_start(allergy.onset), "record",
                                  _("Allergy: %(name)s") % {"name": allergy.substance},
                                  allergy.reaction, f"{url}#entry-{allergy.pk}",
                                  allergy.severity == Allergy.Severity.SEVERE)
    url = reverse("memory:immunizations")
    for vaccine in Immunization.objects.for_user(user).exclude(date=None)[:PER_SOURCE]:
        if within(day_start(vaccine.date)):
            yield "record", Event(day_start(vaccine.date), "record",
                                  _("Vaccine: %(name)s") % {"name": vaccine.vaccine},
                                  vaccine.performer, f"{url}#entry-{vaccine.pk}")


SOURCES = [_vitals, _doses, _medications, _memory, _record]


def events(user, kinds=None, days: int | None = 90, now=None) -> list[Event]:
    """The user's events of the chosen kinds (all when empty), newest first."""
    now = now or timezone.now()
    since = now - timedelta(days=days) if days else None
    chosen = set(kinds or [kind for kind, _label in KINDS])
    found = []
    for source in [*SOURCES, *hooks.timeline_sources]:
        found += [event for kind, event in source(user, since) if kind in chosen]
    return sorted(found, key=lambda event: event.when, reverse=True)
