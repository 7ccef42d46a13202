"""The analyte catalogue (data: installed from labs/data/analytes.yaml, extended in the
admin) and every lab value of a user, normalised against it."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.ownership import OwnedQuerySet


class Analyte(models.Model):
    class Category(models.TextChoices):
        BLOOD_COUNT = "blood_count", _("Blood count")
        LIPIDS = "lipids", _("Lipids")
        GLUCOSE = "glucose", _("Glucose and diabetes")
        PROTEINS = "proteins", _("Proteins")
        KIDNEY = "kidney", _("Kidney")
        ELECTROLYTES = "electrolytes", _("Electrolytes")
        LIVER = "liver", _("Liver and enzymes")
        IRON = "iron", _("Iron studies")
        VITAMINS = "vitamins", _("Vitamins and trace elements")
        THYROID = "thyroid", _("Thyroid")
        HORMONES = "hormones", _("Hormones")
        INFLAMMATION = "inflammation", _("Inflammation")
        CARDIAC = "cardiac", _("Heart")
        COAGULATION = "coagulation", _("Coagulation")
        URINE = "urine", _("Urinalysis")
        OTHER = "other", _("Other")

    code = models.CharField(_("LOINC code"), max_length=20, unique=True)
    name_en = models.CharField(_("name in English"), max_length=120)
    name_ru = models.CharField(_("name in Russian"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                default=Category.OTHER)
    unit = models.CharField(_("canonical (SI) unit"), max_length=40)
    conventional_unit = models.CharField(_("conventional unit"), max_length=40, blank=True,
                                         help_text=_("Empty: the same as the SI unit."))
    molar_mass = models.FloatField(_("molar mass (g/mol)"), null=True, blank=True)
    source = models.CharField(_("source of the factors"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("analyte")
        verbose_name_plural = _("analytes")
        ordering = ["category", "name_en"]

    def __str__(self):
        return f"{self.name_en} ({self.code})"

    def name(self, language: str = "en") -> str:
        return self.name_ru if (language or "").startswith("ru") else self.name_en


class AnalyteName(models.Model):
    """A name, synonym or abbreviation a lab prints for an analyte, in either language."""

    analyte = models.ForeignKey(Analyte, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("analyte name")
        verbose_name_plural = _("analyte names")
        constraints = [models.UniqueConstraint(fields=["analyte", "name"],
                                               name="labs_analyte_name_unique")]

    def __str__(self):
        return self.name


class AnalyteUnit(models.Model):
    """A unit a lab may print that pint cannot convert by itself (mEq/L, µIU/mL of
    insulin, HbA1c in %): printed = canonical × factor + offset."""

    analyte = models.ForeignKey(Analyte, on_delete=models.CASCADE, related_name="units")
    unit = models.CharField(_("unit"), max_length=40)
    factor = models.FloatField(_("factor"))
    offset = models.FloatField(_("offset"), default=0)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("unit conversion")
        verbose_name_plural = _("unit conversions")
        constraints = [models.UniqueConstraint(fields=["analyte", "unit"],
                                               name="labs_analyte_unit_unique")]

    def __str__(self):
        return f"{self.analyte.name_en}: {self.unit}"


class LabValue(models.Model):
    """One lab result of a user, as printed and in the analyte's canonical unit. Comes from
    a document's extracted facts (source_document, page) or elsewhere (an import: only
    the source label)."""

    class Qualifier(models.TextChoices):
        NONE = "", "="
        LESS = "<", "<"
        LESS_EQUAL = "≤", "≤"
        GREATER = ">", ">"
        GREATER_EQUAL = "≥", "≥"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="lab_values")
    analyte = models.ForeignKey(Analyte, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="values")
    # The analyte when matched, else the printed name and unit: one series each.
    series_key = models.CharField(max_length=200)
    name = models.CharField(_("name as printed"), max_length=120)
    printed_value = models.CharField(_("value as printed"), max_length=60, blank=True)
    printed_unit = models.CharField(_("unit as printed"), max_length=40, blank=True)
    reference_range = models.CharField(_("reference range as printed"), max_length=60,
                                       blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    qualifier = models.CharField(max_length=2, choices=Qualifier.choices, blank=True)
    text = models.CharField(_("result in words"), max_length=60, blank=True)
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    flag = models.CharField(max_length=12, blank=True)
    out_of_range = models.BooleanField(null=True)
    matched_by_user = models.BooleanField(default=False)
    date = models.DateField(_("date"))
    source_document = models.ForeignKey("documents.Document", on_delete=models.CASCADE,
                                        null=True, blank=True, related_name="lab_results")
    page = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)  # the row in the source's values
    source = models.CharField(_("source"), max_length=200, blank=True)  # lab, clinic, import
    # An imported value: its import and its identity in the file (interop/models.py).
    source_import = models.ForeignKey("interop.RecordImport", null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="+")
    source_key = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lab value")
        verbose_name_plural = _("lab values")
        ordering = ["date", "position"]
        indexes = [models.Index(fields=["user", "analyte", "date"]),
                   models.Index(fields=["user", "series_key", "date"])]
        constraints = [models.UniqueConstraint(
            fields=["user", "source_key"], condition=~models.Q(source_key=""),
            name="labs_value_one_per_source_key")]

    def __str__(self):
        return f"{self.name} {self.printed_value} {self.printed_unit}".strip()
