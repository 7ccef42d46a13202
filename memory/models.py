"""The long-term health memory: conditions, medications, allergies, vitals…"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.ownership import OwnedQuerySet


class MemoryEntry(models.Model):
    class Category(models.TextChoices):
        CONDITION = "condition", _("Condition")
        MEDICATION = "medication", _("Medication")
        ALLERGY = "allergy", _("Allergy")
        VITAL = "vital", _("Vital")
        DOCUMENT_SUMMARY = "document_summary", _("Document summary")
        OTHER = "other", _("Other")

    class Importance(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Author(models.TextChoices):
        USER = "user", _("You")
        ASSISTANT = "assistant", _("The assistant")
        DOCUMENT = "document", _("A document")
        REVIEW = "review", _("The daily review")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memory_entries"
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    source_document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="memory_entries",
    )
    source_chat = models.ForeignKey(
        "chats.Chat", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="memory_entries",
    )
    # A report that came in an import (a FHIR DiagnosticReport): its import and its
    # identity in the file (interop/models.py).
    source_import = models.ForeignKey("interop.RecordImport", null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="+")
    source_key = models.CharField(max_length=200, blank=True)
    importance = models.CharField(
        _("importance"), max_length=10, choices=Importance.choices, default=Importance.MEDIUM
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Who wrote the entry: the assistant may change its own entries, not the user's
    # without their confirmation (memory/actions.py).
    created_by = models.CharField(
        _("written by"), max_length=10, choices=Author.choices, default=Author.USER
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("memory entry")
        verbose_name_plural = _("memory entries")
        ordering = ["-updated"]
        indexes = [models.Index(fields=["user", "is_active", "importance"])]
        constraints = [models.UniqueConstraint(
            fields=["user", "source_key"], condition=~models.Q(source_key=""),
            name="memory_entry_one_per_source_key")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A document's summary entry is written by the document, whichever code creates it.
        if self._state.adding and self.source_document_id and self.created_by == self.Author.USER:
            self.created_by = self.Author.DOCUMENT
        super().save(*args, **kwargs)

    def snapshot(self) -> dict:
        """The fields the assistant may change, as JSON: the version an Undo restores."""
        return {"title": self.title, "category": self.category, "content": self.content,
                "importance": self.importance, "is_active": self.is_active}


class Medication(models.Model):
    """A medication the user takes, with its schedule; its dose reminders are recurring
    notifications kept in step with the schedule by `memory.medications.sync_reminders`."""

    class Form(models.TextChoices):
        TABLET = "tablet", _("Tablet")
        CAPSULE = "capsule", _("Capsule")
        LIQUID = "liquid", _("Liquid")
        INJECTION = "injection", _("Injection")
        INHALER = "inhaler", _("Inhaler")
        DROPS = "drops", _("Drops")
        CREAM = "cream", _("Cream")
        PATCH = "patch", _("Patch")
        OTHER = "other", _("Other")

    class Schedule(models.TextChoices):
        TIMES = "times", _("At set times of day")
        INTERVAL = "interval", _("Every few hours")
        AS_NEEDED = "as_needed", _("As needed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="medications"
    )
    name = models.CharField(_("name"), max_length=200)
    strength = models.CharField(_("strength"), max_length=100, blank=True,
                                help_text=_("For example 500 mg."))
    form = models.CharField(_("form"), max_length=20, choices=Form.choices, default=Form.TABLET)
    dose = models.CharField(_("dose"), max_length=100, blank=True,
                            help_text=_("How much at a time, for example 1 tablet."))
    schedule = models.CharField(
        _("schedule"), max_length=20, choices=Schedule.choices, default=Schedule.TIMES
    )
    # "HH:MM" in the user's timezone; for an interval schedule the first one starts the day.
    times = models.JSONField(_("times of day"), default=list, blank=True)
    # ISO weekdays (1 = Monday … 7 = Sunday); empty means every day.
    days_of_week = models.JSONField(_("days of the week"), default=list, blank=True)
    every_hours = models.PositiveSmallIntegerField(_("every N hours"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    instructions = models.TextField(_("instructions"), blank=True,
                                    help_text=_("For example: with food."))
    prescriber = models.CharField(_("prescriber"), max_length=200, blank=True)
    source_document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="medications", verbose_name=_("source document"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Stock: what was on hand when counted; what is left now is that less the doses
    # taken since (memory/stock.py).
    stock = models.DecimalField(_("units on hand"), max_digits=7, decimal_places=2,
                                null=True, blank=True)
    stock_counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    units_per_dose = models.DecimalField(_("units per dose"), max_digits=5, decimal_places=2,
                                         default=1)
    refill_warning_days = models.PositiveSmallIntegerField(_("warn days before running out"),
                                                           default=7)
    refill_warned_at = models.DateTimeField(_("refill warning sent"), null=True, blank=True)
    # An imported medication: its import and its identity in the file (interop/models.py).
    source_import = models.ForeignKey("interop.RecordImport", null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="+")
    source_key = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("medication")
        verbose_name_plural = _("medications")
        ordering = ["-is_active", "name"]
        indexes = [models.Index(fields=["user", "is_active"])]
        constraints = [models.UniqueConstraint(
            fields=["user", "source_key"], condition=~models.Q(source_key=""),
            name="memory_medication_one_per_source_key")]

    def __str__(self):
        return " ".join(part for part in (self.name, self.strength) if part)

    @property
    def is_scheduled(self) -> bool:
        return self.is_active and self.schedule != self.Schedule.AS_NEEDED


class DoseEvent(models.Model):
    """What became of one scheduled dose (or of one dose taken as needed)."""

    class State(models.TextChoices):
        TAKEN = "taken", _("Taken")
        SKIPPED = "skipped", _("Skipped")
        SNOOZED = "snoozed", _("Snoozed")
        MISSED = "missed", pgettext_lazy("dose", "Missed")

    class Via(models.TextChoices):
        IN_APP = "in_app", _("In the app")
        EMAIL = "email", _("Email")
        TELEGRAM = "telegram", _("Telegram")
        PAGE = "page", _("Medication page")
        SWEEP = "sweep", _("No answer")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="doses")
    scheduled_for = models.DateTimeField(pgettext_lazy("dose", "scheduled for"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    set_at = models.DateTimeField(_("set at"))
    via = models.CharField(_("via"), max_length=10, choices=Via.choices, default=Via.PAGE)

    class QuerySet(models.QuerySet):
        def for_user(self, user):
            if user is None or not user.is_authenticated:
                return self.none()
            return self.filter(medication__user=user)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("dose")
        verbose_name_plural = _("doses")
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(fields=["medication", "scheduled_for"],
                                    name="one_event_per_dose"),
        ]

    def __str__(self):
        return f"{self.medication} {self.scheduled_for:%Y-%m-%d %H:%M} {self.state}"


class Vital(models.Model):
    """One measurement, stored in its canonical unit (see `memory.vitals.CANONICAL`)."""

    class Kind(models.TextChoices):
        BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")
        HEART_RATE = "heart_rate", _("Heart rate")
        WEIGHT = "weight", _("Weight")
        HEIGHT = "height", _("Height")
        TEMPERATURE = "temperature", _("Temperature")
        BLOOD_GLUCOSE = "blood_glucose", _("Blood glucose")
        SPO2 = "spo2", _("Oxygen saturation (SpO₂)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="vitals")
    kind = models.CharField(_("measurement"), max_length=20, choices=Kind.choices)
    value = models.FloatField(_("value"))
    value2 = models.FloatField(_("second value"), null=True, blank=True,
                               help_text=_("The diastolic pressure."))
    unit = models.CharField(_("unit"), max_length=20)
    measured_at = models.DateTimeField(_("measured at"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    # An imported reading: its import and its identity in the file (interop/models.py).
    source_import = models.ForeignKey("interop.RecordImport", null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="+")
    source_key = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("vital sign")
        verbose_name_plural = _("vital signs")
        ordering = ["-measured_at"]
        indexes = [models.Index(fields=["user", "kind", "measured_at"])]
        constraints = [models.UniqueConstraint(
            fields=["user", "source_key"], condition=~models.Q(source_key=""),
            name="memory_vital_one_per_source_key")]

    def __str__(self):
        value = f"{self.value:g}/{self.value2:g}" if self.value2 is not None else f"{self.value:g}"
        return f"{self.get_kind_display()} {value} {self.unit}"


class HealthPreference(models.Model):
    """How one user likes their measurements shown."""

    class Weight(models.TextChoices):
        KG = "kg", _("kilograms")
        LB = "lb", _("pounds")

    class Glucose(models.TextChoices):
        MMOL = "mmol/L", "mmol/L"
        MG = "mg/dL", "mg/dL"

    class Temperature(models.TextChoices):
        C = "°C", _("Celsius")
        F = "°F", _("Fahrenheit")

    class LabUnits(models.TextChoices):
        SI = "si", _("SI (mmol/L, µmol/L)")
        CONVENTIONAL = "conventional", _("conventional (mg/dL, µg/dL)")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="health_preference")
    weight_unit = models.CharField(_("weight in"), max_length=5, choices=Weight.choices,
                                   default=Weight.KG)
    glucose_unit = models.CharField(_("blood glucose in"), max_length=8, choices=Glucose.choices,
                                    default=Glucose.MMOL)
    temperature_unit = models.CharField(_("temperature in"), max_length=3,
                                        choices=Temperature.choices, default=Temperature.C)
    lab_units = models.CharField(_("lab values in"), max_length=12, choices=LabUnits.choices,
                                 default=LabUnits.SI)

    class Meta:
        verbose_name = _("measurement units")
        verbose_name_plural = _("measurement units")

    def __str__(self):
        return str(self.user)

    @classmethod
    def for_user(cls, user) -> "HealthPreference":
        if user is None or not user.is_authenticated:
            return cls()
        preference, _created = cls.objects.get_or_create(user=user)
        return preference


class ClinicalEntry(models.Model):
    """What conditions, allergies and immunizations share: a coded entry of the record
    with its source — written by the user, proposed by the assistant, read from a
    document or imported (then with its import and its identity in the file)."""

    class Author(models.TextChoices):
        USER = "user", _("You")
        ASSISTANT = "assistant", _("The assistant")
        DOCUMENT = "document", _("A document")
        IMPORT = "import", _("An import")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="%(class)s_entries")
    # A code when one is known: SNOMED CT, ICD-10, RxNorm, CVX… (`code_system` is its URI).
    code = models.CharField(_("code"), max_length=64, blank=True)
    code_system = models.CharField(_("code system"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    source_document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("source document"))
    source_import = models.ForeignKey("interop.RecordImport", null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="+")
    source_key = models.CharField(max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)  # clinic, file, day
    created_by = models.CharField(_("written by"), max_length=10, choices=Author.choices,
                                  default=Author.USER)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        abstract = True


class Condition(ClinicalEntry):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("clinical status", "Active")
        INACTIVE = "inactive", pgettext_lazy("clinical status", "Inactive")
        RESOLVED = "resolved", pgettext_lazy("clinical status", "Resolved")

    name = models.CharField(_("condition"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    onset = models.DateField(_("since"), null=True, blank=True)
    abated = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["status", "-onset", "name"]
        indexes = [models.Index(fields=["user", "status"])]
        constraints = [models.UniqueConstraint(
            fields=["user", "source_key"], condition=~models.Q(source_key=""),
            name="memory_condition_one_per_source_key")]

    def __str__(self):
        return self.name


class Allergy(ClinicalEntry):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("clinical status", "Active")
        INACTIVE = "inactive", pgettext_lazy("clinical status", "Inactive")
        RESOLVED = "resolved", pgettext_lazy("clinical status", "Resolved")

    class Category(models.TextChoices):
        MEDICATION = "medication", _("Medication")
        FOOD = "food", _("Food")
        ENVIRONMENT = "environment", _("Environment")
        BIOLOGIC = "biologic", _("Biologic")
        OTHER = "", _("Other")

    class Severity(models.TextChoices):
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")
        UNKNOWN = "", _("Not known")

    substance = models.CharField(_("substance"), max_length=200)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices,
                                blank=True)
    reaction = models.CharField(_("reaction"), max_length=300, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices,
                                blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    onset = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("allergy")
        verbose_name_plural = _("allergies")
        ordering = ["status", "substance"]
        constraints = [models.UniqueConstraint(
            fields=["user", "source_key"], condition=~models.Q(source_key=""),
            name="memory_allergy_one_per_source_key")]

    def __str__(self):
        return self.substance


class Immunization(ClinicalEntry):
    vaccine = models.CharField(_("vaccine"), max_length=200)
    date = models.DateField(_("date"), null=True, blank=True)
    dose_number = models.CharField(_("dose"), max_length=20, blank=True)
    lot_number = models.CharField(_("lot"), max_length=50, blank=True)
    performer = models.CharField(_("given by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("immunization")
        verbose_name_plural = _("immunizations")
        ordering = ["-date", "vaccine"]
        constraints = [models.UniqueConstraint(
            fields=["user", "source_key"], condition=~models.Q(source_key=""),
            name="memory_immunization_one_per_source_key")]

    def __str__(self):
        return self.vaccine
