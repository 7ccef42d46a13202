"""Documents and lab results on the health timeline (memory/timeline.py), registered in
apps.py through memory.hooks.timeline_sources."""

from django.urls import reverse
from django.utils.translation import gettext as _

from memory.timeline import PER_SOURCE, Event, day_start

from .models import Document


def timeline_events(user, since):
    rows = Document.objects.for_user(user).exclude(status=Document.Status.FAILED).only(
        "filename", "doc_type", "document_date", "created", "metadata")
    for document in rows.order_by("-created")[:PER_SOURCE]:
        when = day_start(document.document_date) if document.document_date else document.created
        if since and when < since:
            continue
        url = reverse("documents:detail", args=[document.pk])
        metadata = document.metadata or {}
        yield "document", Event(when, "document", document.filename,
                                str(document.get_doc_type_display()),
                                url)
        values = metadata.get("lab_values") or []
        if values:
            abnormal = [item for item in values if item.get("flag") in ("high", "low", "abnormal")]
            detail = ", ".join(
                f"{item.get('analyte')} {item.get('value')} {item.get('unit') or ''}".strip()
                for item in abnormal[:4])
            title = _("%(count)s lab values") % {"count": len(values)}
            if abnormal:
                title += " · " + _("%(count)s outside the range") % {"count": len(abnormal)}
            yield "lab", Event(when, "lab", title, detail, url, bool(abnormal))
