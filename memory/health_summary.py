"""The health record in a few lines for the assistant: active medications with their
schedule and adherence, and the latest vitals. Used by the get_health_record tool and
ready for the stable context (chats' context providers)."""

from django.utils import timezone

from accounts.locale import zone_of

from . import vitals
from .adherence import adherence
from .models import HealthPreference, Medication


def schedule_text(medication) -> str:
    if medication.schedule == Medication.Schedule.AS_NEEDED:
        return "as needed"
    days = ""
    if medication.days_of_week:
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        days = " on " + ",".join(names[day - 1] for day in medication.days_of_week)
    if medication.schedule == Medication.Schedule.INTERVAL:
        first = medication.times[0] if medication.times else "08:00"
        return f"every {medication.every_hours} h from {first}{days}"
    return "at " + ", ".join(medication.times) + days


def medication_lines(user, with_adherence: bool = True) -> list[str]:
    lines = []
    for medication in Medication.objects.for_user(user).filter(is_active=True):
        parts = [str(medication), medication.dose, schedule_text(medication)]
        if medication.instructions:
            parts.append(medication.instructions)
        if with_adherence and medication.is_scheduled:
            result = adherence(medication, days=30)
            if result.percent is not None:
                parts.append(f"{result.percent}% of doses taken in 30 days "
                             f"({result.missed} missed, {result.skipped} skipped)")
        lines.append("- " + "; ".join(part for part in parts if part))
    return lines


def vital_lines(user) -> list[str]:
    zone = zone_of(user)
    preference = HealthPreference.for_user(user)
    return [
        f"- {item.vital.Kind(item.vital.kind).label}: {item.text} {item.unit} "
        f"({timezone.localtime(item.vital.measured_at, zone):%Y-%m-%d %H:%M})"
        for item in vitals.latest(user, preference)
    ]


def summary_text(user, with_adherence: bool = True) -> str:
    sections = []
    medications = medication_lines(user, with_adherence)
    if medications:
        sections.append("Active medications:\n" + "\n".join(medications))
    latest = vital_lines(user)
    if latest:
        sections.append("Latest vitals:\n" + "\n".join(latest))
    return "\n\n".join(sections)
