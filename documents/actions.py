"""The assistant's writes in documents, as actions (chats.actions): a compiled PDF (Undo
deletes it) and a document's extracted facts (recorded)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.locale import user_language
from chats import actions

from .models import Document, GeneratedPDF

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
    actions.record(
        document.user, FACTS, document, summary=summary,
        origin=actions.Origin("document", str(document.pk), document.filename[:200],
                              reverse("documents:detail", args=[document.pk])),
    )


def register() -> None:
    actions.register(PDF, undo=undo_pdf, label=gettext_lazy("PDF report"))
    actions.register(FACTS, label=gettext_lazy("Document facts"))
