"""Conditions, allergies and immunizations: the three kinds of coded entry of the record,
how each is named, listed and told — on its page, to the assistant, on the timeline."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .forms import AllergyForm, ConditionForm, ImmunizationForm
from .models import Allergy, Condition, Immunization, MemoryEntry


@dataclass(frozen=True)
class Kind:
    key: str  # the URL segment and the names of its routes
    model: type
    form: type
    title: str
    subtitle: str
    icon: str
    add: str
    empty: str
    saved: str
    deleted: str

    @property
    def route(self) -> str:
        return f"memory:{self.key}"

    @property
    def one(self) -> str:
        return {"conditions": "condition", "allergies": "allergy",
                "immunizations": "immunization"}[self.key]


KINDS = {
    "conditions": Kind(
        "conditions", Condition, ConditionForm, _("Conditions"),
        _("Diagnoses and health problems, current and past."), "stethoscope",
        _("Add a condition"), _("No conditions recorded yet."), _("The condition is saved."),
        _("The condition is deleted.")),
    "allergies": Kind(
        "allergies", Allergy, AllergyForm, _("Allergies"),
        _("Medicines, foods and other things that cause you a reaction."), "shield-alert",
        _("Add an allergy"), _("No allergies recorded yet."), _("The allergy is saved."),
        _("The allergy is deleted.")),
    "immunizations": Kind(
        "immunizations", Immunization, ImmunizationForm, _("Immunizations"),
        _("Vaccines you have had, with their dates."), "syringe",
        _("Add a vaccine"), _("No vaccines recorded yet."), _("The vaccine is saved."),
        _("The vaccine is deleted.")),
}


def source_line(entry) -> str:
    """Where an entry came from, in English, for the assistant."""
    if entry.source_import_id:
        return f"imported from {entry.source_import.source_label}"
    if entry.source_document_id:
        return f"from the document {entry.source_document.filename}"
    if entry.created_by == entry.Author.ASSISTANT:
        return "saved by the assistant"
    return "entered by the user"


def active_lines(user) -> list[str]:
    """Active conditions and allergies, one a line, with their source: data for the model."""
    lines = []
    for condition in (Condition.objects.for_user(user).filter(status=Condition.Status.ACTIVE)
                      .select_related("source_import", "source_document")[:100]):
        since = f", since {condition.onset:%Y-%m-%d}" if condition.onset else ""
        lines.append(f"- Condition: {condition.name}{since} ({source_line(condition)})")
    for allergy in (Allergy.objects.for_user(user).filter(status=Allergy.Status.ACTIVE)
                    .select_related("source_import", "source_document")[:100]):
        details = ", ".join(part for part in (allergy.reaction, allergy.severity) if part)
        lines.append(f"- Allergy: {allergy.substance}" + (f" — {details}" if details else "")
                     + f" ({source_line(allergy)})")
    return lines


def immunization_lines(user) -> list[str]:
    return [f"- Vaccine: {item.vaccine}"
            + (f" on {item.date:%Y-%m-%d}" if item.date else "")
            + (f", dose {item.dose_number}" if item.dose_number else "")
            for item in Immunization.objects.for_user(user)[:50]]


# Conditions and allergies written as memory entries before they had entries of their own.
NOTED = {Condition: MemoryEntry.Category.CONDITION, Allergy: MemoryEntry.Category.ALLERGY}


def noted_only(user, model, named) -> list[MemoryEntry]:
    """The active memory entries of `model`'s kind that none of `named` (the names already
    listed from the entries themselves) names again, by title, ignoring case: every list
    of the record (appointment PDF, share page, FHIR export) shows each one once."""
    known = {name.casefold() for name in named}
    return [entry for entry in MemoryEntry.objects.for_user(user)
            .filter(category=NOTED[model], is_active=True).order_by("title")
            if entry.title.casefold() not in known]
