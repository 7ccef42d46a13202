"""The assistant's writes in documents, as actions (chats.actions): a compiled PDF (Undo
deletes it), a document's extracted facts (recorded) and the medications of a
prescription (proposed: memory.medication, confirmed by the user)."""

import logging

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.locale import user_language
from chats import actions
from chats.models import AssistantAction
from memory import health_actions

from .models import Document, GeneratedPDF

log = logging.getLogger(__name__)

PDF = "documents.pdf"
FACTS = "documents.facts"


def undo_pdf(action) -> None:
    report = GeneratedPDF.objects.for_user(action.user).filter(pk=action.target_id).first()
    if report is not None:
        report.file.delete(save=False)
        report.delete()


def record_facts(document: Document) -> None:
    """The facts the model extracted from a document, on the activity page (one call in
    facts.py). Recorded only: the user corrects facts on the document's page."""
    with user_language(document.user):
        summary = _("Facts extracted from %(file)s") % {"file": document.filename}
    actions.record(document.user, FACTS, document, summary=summary,
                   origin=_from_document(document))


def _from_document(document: Document) -> actions.Origin:
    return actions.Origin("document", str(document.pk), document.filename[:200],
                          reverse("documents:detail", args=[document.pk]))


def medication_input(document: Document, found: dict) -> dict:
    """A prescribed medication (facts.clean_medication) as save_medication's input: the
    frequency as written goes with the instructions, the provider is the prescriber."""
    notes = "; ".join(part for part in (found.get("frequency"), found.get("instructions"))
                      if part)
    return {"name": found["name"], "strength": found.get("strength", ""),
            "form": found.get("form", ""), "dose": found.get("dose", ""),
            "times": found.get("times") or [], "every_hours": found.get("every_hours"),
            "instructions": notes,
            "prescriber": ((document.metadata or {}).get("provider") or "")[:200]}


def propose_medications(document: Document, found: list[dict]) -> list:
    """The medications of a prescription, each proposed for the user to confirm (once per
    document and name, however often the facts are extracted). A schedule that does not
    validate is proposed as needed, its frequency kept in the instructions."""
    origin = _from_document(document)
    mine = AssistantAction.objects.for_user(document.user).filter(
        kind=health_actions.MEDICATION, origin="document", origin_id=str(document.pk))
    known = {str((action.payload or {}).get("name", "")).casefold() for action in mine}
    proposed = []
    for item in found:
        if item["name"].casefold() in known:
            continue
        data = medication_input(document, item)
        try:
            payload = health_actions.medication_payload(data, document)
        except ValidationError:
            try:
                payload = health_actions.medication_payload(
                    {**data, "times": [], "every_hours": None, "schedule": "as_needed"},
                    document)
            except ValidationError:
                log.info("A medication of document %s could not be proposed", document.pk)
                continue
        with user_language(document.user):
            summary = _("Add medication from %(file)s: %(what)s") % {
                "file": document.filename, "what": health_actions.describe_medication(payload)}
        proposed.append(actions.propose(document.user, health_actions.MEDICATION, payload,
                                        summary=summary, origin=origin))
        known.add(item["name"].casefold())
    return proposed


def medication_cards(document: Document) -> list[dict]:
    """The medications proposed from this document, as the action card shows them."""
    found = AssistantAction.objects.for_user(document.user).filter(
        kind=health_actions.MEDICATION, origin="document", origin_id=str(document.pk),
    ).order_by("created")
    return [{**actions.card(action), "undoable": actions.can_undo(action),
             "error": action.error} for action in found[:30]]


def register() -> None:
    actions.register(PDF, undo=undo_pdf, label=gettext_lazy("PDF report"))
    actions.register(FACTS, label=gettext_lazy("Document facts"))
