"""Forms of the health record: memory entries, medications, vitals."""

import re
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import vitals
from .dose_schedule import parse_time
from .models import (
    Allergy,
    Condition,
    HealthPreference,
    Immunization,
    Medication,
    MemoryEntry,
    Vital,
)


class MemoryEntryForm(forms.ModelForm):
    class Meta:
        model = MemoryEntry
        fields = ["title", "category", "importance", "content", "is_active"]
        widgets = {"content": forms.Textarea(attrs={"rows": 4})}


WEEKDAYS = [(1, _("Mon")), (2, _("Tue")), (3, _("Wed")), (4, _("Thu")), (5, _("Fri")),
            (6, _("Sat")), (7, _("Sun"))]


class MedicationForm(forms.ModelForm):
    """A medication and its schedule; times are typed as “08:00, 20:00”."""

    times_text = forms.CharField(
        label=_("Times of day"), required=False, max_length=200,
        help_text=_("24-hour times separated by commas, e.g. 08:00, 20:00. For “every N hours” "
                    "the first time starts the day."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days of the week"), choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every day."),
    )

    class Meta:
        model = Medication
        fields = ["name", "strength", "form", "dose", "schedule", "times_text", "every_hours",
                  "weekdays", "start_date", "end_date", "instructions", "prescriber"]
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 2}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "every_hours": forms.NumberInput(attrs={"min": 1, "max": 24}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk or self.instance.times:
            self.initial.setdefault("times_text", ", ".join(self.instance.times or []))
            self.initial.setdefault("weekdays", self.instance.days_of_week or [])

    def clean_times_text(self):
        times = []
        for part in re.split(r"[,;\s]+", self.cleaned_data.get("times_text") or ""):
            if not part:
                continue
            parsed = parse_time(part.replace(".", ":"))
            if parsed is None:
                raise forms.ValidationError(
                    _("“%(value)s” is not a time. Use hours and minutes, e.g. 08:00.")
                    % {"value": part})
            times.append(f"{parsed:%H:%M}")
        if len(set(times)) > 12:
            raise forms.ValidationError(_("At most 12 times a day."))
        return sorted(set(times))

    def clean(self):
        cleaned = super().clean()
        schedule = cleaned.get("schedule")
        times = cleaned.get("times_text") or []
        every = cleaned.get("every_hours")
        if schedule == Medication.Schedule.TIMES and not times and "times_text" not in self.errors:
            self.add_error("times_text", _("Give at least one time of day."))
        if schedule == Medication.Schedule.INTERVAL and not (every and 1 <= every <= 24):
            self.add_error("every_hours", _("Give a number of hours from 1 to 24."))
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return cleaned

    def save(self, commit=True):
        medication = super().save(commit=False)
        medication.times = self.cleaned_data.get("times_text") or []
        medication.days_of_week = sorted(self.cleaned_data.get("weekdays") or [])
        if medication.schedule != Medication.Schedule.INTERVAL:
            medication.every_hours = None
        if commit:
            medication.save()
        return medication


class StockForm(forms.Form):
    """A count of what is on hand: a new pack, or a recount."""

    on_hand = forms.DecimalField(label=_("Units on hand now"), min_value=0, max_value=99999,
                                 decimal_places=2,
                                 help_text=_("Tablets, capsules, doses or millilitres left."))
    units_per_dose = forms.DecimalField(label=_("Units per dose"), min_value=Decimal("0.01"),
                                        max_value=999, decimal_places=2, initial=1)
    warning_days = forms.IntegerField(label=_("Warn me this many days before running out"),
                                      min_value=0, max_value=90, initial=7)


class VitalForm(forms.ModelForm):
    """A quick reading: the value is typed in the user's own unit and stored canonically."""

    value = forms.FloatField(label=_("Value"), widget=forms.NumberInput(
        attrs={"step": "any", "inputmode": "decimal"}))
    value2 = forms.FloatField(label=_("Diastolic (lower number)"), required=False,
                              help_text=_("Blood pressure only."),
                              widget=forms.NumberInput(attrs={"step": "any",
                                                              "inputmode": "decimal"}))

    class Meta:
        model = Vital
        fields = ["kind", "value", "value2", "measured_at", "note"]
        widgets = {"measured_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                      format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, preference=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.preference = preference or HealthPreference()
        self.fields["measured_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                                                    "%Y-%m-%dT%H:%M:%S"]
        self.fields["note"].widget.attrs["placeholder"] = _("e.g. after a walk")
        if not self.instance._state.adding and not self.is_bound:  # editing: in the user's unit
            kind = self.instance.kind
            self.initial["value"] = vitals.shown(kind, self.instance.value,
                                                 vitals.display_unit(kind, self.preference))

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind and value is not None:
            unit = vitals.display_unit(kind, self.preference)
            value2 = cleaned.get("value2") if kind == Vital.Kind.BLOOD_PRESSURE else None
            error = vitals.range_error(kind, value, value2, unit)
            if error:
                self.add_error(*error)
            cleaned["value2"] = value2
            cleaned["unit"] = unit
        measured = cleaned.get("measured_at")
        if measured and measured > timezone.now() + timedelta(minutes=5):
            self.add_error("measured_at", _("That time is in the future."))
        return cleaned

    def save(self, commit=True):
        vital = super().save(commit=False)
        kind, unit = vital.kind, self.cleaned_data["unit"]
        vital.value = round(vitals.to_canonical(kind, self.cleaned_data["value"], unit), 3)
        vital.value2 = self.cleaned_data.get("value2")
        vital.unit = vitals.CANONICAL[kind]
        if commit:
            vital.save()
        return vital


class HealthPreferenceForm(forms.ModelForm):
    class Meta:
        model = HealthPreference
        fields = ["weight_unit", "glucose_unit", "temperature_unit", "lab_units"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Also switched on the trends page: a post without it keeps the current system.
        self.fields["lab_units"].required = False

    def clean_lab_units(self):
        return self.cleaned_data.get("lab_units") or self.instance.lab_units


class LabUnitsForm(forms.ModelForm):
    """The unit system of lab values alone: the switch on the trends page."""

    class Meta:
        model = HealthPreference
        fields = ["lab_units"]


DATE_WIDGET = {"type": "date"}


class ClinicalEntryFields:
    """What the forms of conditions, allergies and immunizations share (a mixin of their
    ModelForms): dates picked in the browser and never in the future."""

    date_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.date_fields:
            self.fields[name].widget = forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")
        self.fields["note"].widget = forms.Textarea(attrs={"rows": 3})

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        for name in self.date_fields:
            if cleaned.get(name) and cleaned[name] > today:
                self.add_error(name, _("That date is in the future."))
        return cleaned


class ConditionForm(ClinicalEntryFields, forms.ModelForm):
    date_fields = ("onset", "abated")

    class Meta:
        model = Condition
        fields = ["name", "status", "onset", "abated", "note"]

    def clean(self):
        cleaned = super().clean()
        onset, abated = cleaned.get("onset"), cleaned.get("abated")
        if onset and abated and abated < onset:
            self.add_error("abated", _("The end cannot be before the start."))
        return cleaned


class AllergyForm(ClinicalEntryFields, forms.ModelForm):
    date_fields = ("onset",)

    class Meta:
        model = Allergy
        fields = ["substance", "category", "reaction", "severity", "status", "onset", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reaction"].widget.attrs["placeholder"] = _("e.g. hives, swelling")


class ImmunizationForm(ClinicalEntryFields, forms.ModelForm):
    date_fields = ("date",)

    class Meta:
        model = Immunization
        fields = ["vaccine", "date", "dose_number", "lot_number", "performer", "note"]
