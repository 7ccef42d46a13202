"""The assistant's writes to the health record, as actions (chats.actions): a vital it
records and a medication it saves (from a chat, or found in a prescription) are always
proposals the user confirms; Undo removes what was created (a medication's reminders go
with it through `hooks.medication_changed`).

The payloads are validated when proposed (so the assistant hears what is wrong at once)
and again when applied (the record may have changed in between).
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chats import actions

from . import medications, vitals
from .forms import MedicationForm
from .models import Medication, Vital

VITAL = "memory.vital"
MEDICATION = "memory.medication"

# kind → the units a reading of it may be given in (the first is the one it is stored in)
UNITS = {kind: [unit] for kind, unit in vitals.CANONICAL.items()}
UNITS[Vital.Kind.WEIGHT].append("lb")
UNITS[Vital.Kind.BLOOD_GLUCOSE].append("mg/dL")
UNITS[Vital.Kind.TEMPERATURE].append("°F")
UNIT_NAMES = {"C": "°C", "F": "°F", "degC": "°C", "degF": "°F", "mg/dl": "mg/dL",
              "mmol/l": "mmol/L", "kg": "kg", "lb": "lb", "lbs": "lb", "bpm": "bpm",
              "mmhg": "mmHg", "cm": "cm", "%": "%"}


def _number(value, name: str) -> float:
    if isinstance(value, bool):
        raise ValidationError(_("%(name)s must be a number.") % {"name": name})
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(name)s must be a number.") % {"name": name}) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(_("%(name)s must be a number.") % {"name": name})
    return number


def vital_payload(user, data: dict) -> dict:
    """A reading as the assistant describes it, checked with the same ranges as the quick-add
    form; the payload keeps the value in the unit it was given. ValidationError otherwise."""
    kind = str(data.get("kind") or "")
    if kind not in Vital.Kind.values:
        raise ValidationError(_("Unknown measurement “%(kind)s”; use one of: %(kinds)s.") % {
            "kind": kind[:40], "kinds": ", ".join(Vital.Kind.values)})
    raw_unit = str(data.get("unit") or "").strip()
    unit = UNIT_NAMES.get(raw_unit, UNIT_NAMES.get(raw_unit.lower(), raw_unit)) if raw_unit \
        else vitals.CANONICAL[kind]
    if unit not in UNITS[kind]:
        raise ValidationError(_("%(kind)s is given in %(units)s, not “%(unit)s”.") % {
            "kind": Vital.Kind(kind).label, "units": ", ".join(UNITS[kind]),
            "unit": raw_unit[:20]})
    value = _number(data.get("value"), _("The value"))
    value2 = None
    if kind == Vital.Kind.BLOOD_PRESSURE and data.get("value2") not in (None, ""):
        value2 = _number(data.get("value2"), _("The diastolic pressure"))
    error = vitals.range_error(kind, value, value2, unit)
    if error:
        raise ValidationError(error[1])
    measured = timezone.now()
    if data.get("measured_at"):
        try:
            measured = datetime.fromisoformat(str(data["measured_at"]))
        except ValueError:
            raise ValidationError(_("“%(value)s” is not a date and time.") % {
                "value": str(data["measured_at"])[:40]}) from None
        if timezone.is_naive(measured):
            measured = measured.replace(tzinfo=user.zone)
        if measured > timezone.now() + timedelta(minutes=5):
            raise ValidationError(_("That time is in the future."))
    return {"kind": kind, "value": value, "value2": value2, "unit": unit,
            "measured_at": measured.isoformat(), "note": str(data.get("note") or "")[:300]}


def describe_vital(payload: dict) -> str:
    value = f"{payload['value']:g}"
    if payload.get("value2") is not None:
        value += f"/{payload['value2']:g}"
    return f"{Vital.Kind(payload['kind']).label} {value} {payload['unit']}"


def apply_vital(action) -> None:
    payload = vital_payload(action.user, action.payload)
    kind = payload["kind"]
    vital = Vital.objects.create(
        user=action.user, kind=kind,
        value=round(vitals.to_canonical(kind, payload["value"], payload["unit"]), 3),
        value2=payload["value2"], unit=vitals.CANONICAL[kind],
        measured_at=datetime.fromisoformat(payload["measured_at"]), note=payload["note"],
    )
    actions.set_target(action, vital)
    action.previous = None


def undo_vital(action) -> None:
    Vital.objects.for_user(action.user).filter(pk=action.target_id).delete()


def _form(data: dict) -> MedicationForm:
    times = data.get("times") or []
    if isinstance(times, str):
        times = [times]
    form_data = {
        "name": data.get("name") or "", "strength": data.get("strength") or "",
        "form": data.get("form") if data.get("form") in Medication.Form.values
        else Medication.Form.OTHER,
        "dose": data.get("dose") or "",
        "schedule": data.get("schedule") or (
            Medication.Schedule.INTERVAL if data.get("every_hours")
            else Medication.Schedule.TIMES if times else Medication.Schedule.AS_NEEDED),
        "times_text": ", ".join(str(time) for time in times if time is not None),
        "every_hours": data.get("every_hours") or "",
        "weekdays": [str(day) for day in data.get("days_of_week") or []],
        "start_date": data.get("start_date") or "", "end_date": data.get("end_date") or "",
        "instructions": data.get("instructions") or "", "prescriber": data.get("prescriber") or "",
    }
    return MedicationForm(data=form_data)


def _errors(form) -> str:
    return " ".join(f"{form.fields[name].label if name in form.fields else name}: {' '.join(errs)}"
                    if name != "__all__" else " ".join(errs)
                    for name, errs in form.errors.items())


def medication_payload(data: dict, document=None) -> dict:
    """A medication as the assistant (or a prescription) describes it, checked by the same
    form as the medication page (times, interval, dates). ValidationError otherwise."""
    form = _form(data)
    if not form.is_valid():
        raise ValidationError(_errors(form))
    cleaned = form.cleaned_data
    return {
        "name": cleaned["name"], "strength": cleaned["strength"], "form": cleaned["form"],
        "dose": cleaned["dose"], "schedule": cleaned["schedule"],
        "times": cleaned.get("times_text") or [],
        "every_hours": cleaned.get("every_hours")
        if cleaned["schedule"] == Medication.Schedule.INTERVAL else None,
        "days_of_week": sorted(cleaned.get("weekdays") or []),
        "start_date": cleaned["start_date"].isoformat() if cleaned.get("start_date") else "",
        "end_date": cleaned["end_date"].isoformat() if cleaned.get("end_date") else "",
        "instructions": cleaned["instructions"], "prescriber": cleaned["prescriber"],
        "document": str(document.pk) if document is not None else "",
    }


def describe_medication(payload: dict) -> str:
    parts = [payload["name"], payload.get("strength") or "", payload.get("dose") or ""]
    if payload.get("times"):
        parts.append(", ".join(payload["times"]))
    elif payload.get("every_hours"):
        parts.append(_("every %(hours)s h") % {"hours": payload["every_hours"]})
    else:
        parts.append(str(Medication.Schedule.AS_NEEDED.label).lower())
    return " ".join(part for part in parts if part)


def apply_medication(action) -> None:
    payload = medication_payload(action.payload)
    form = _form(payload)
    form.is_valid()
    medication = form.save(commit=False)
    medication.user = action.user
    document_id = action.payload.get("document")
    if document_id:
        # documents sits above memory: its model is reached through the relation
        documents = Medication._meta.get_field("source_document").related_model
        medication.source_document = documents.objects.for_user(action.user).filter(
            pk=document_id).first()
    medications.save(medication)
    actions.set_target(action, medication)
    action.previous = None


def undo_medication(action) -> None:
    medication = Medication.objects.for_user(action.user).filter(pk=action.target_id).first()
    if medication is not None:
        medications.remove(medication)


def register() -> None:
    actions.register(VITAL, apply=apply_vital, undo=undo_vital,
                     label=gettext_lazy("Vital sign"))
    actions.register(MEDICATION, apply=apply_medication, undo=undo_medication,
                     label=gettext_lazy("Medication"))
