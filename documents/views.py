"""Document pages: list and upload, search, detail (with the facts' correction), preview,
download, reindex, delete."""

from constance import config
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import rate_limits

from . import actions as document_actions
from . import facts_state, follow_ups, pages, tasks, uploads
from . import search as document_search
from .forms import FactsForm, LabValueFormSet
from .models import Document
from .readers import RefusedFile

PAGE_SIZE = 50
LIST_FIELDS = ("id", "filename", "mime_type", "file_size", "doc_type", "document_date",
               "status", "stage", "error", "page_count", "created")
# Shown inline in the browser; everything else downloads as an attachment.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


def owned(request, pk):
    return get_object_or_404(Document.objects.for_user(request.user), pk=pk)


def list_context(request, outcomes=None):
    documents = Document.objects.for_user(request.user).only(*LIST_FIELDS)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    busy = any(doc.is_busy for doc in page)
    return {
        "page": page, "busy": busy, "outcomes": outcomes or [],
        "used_bytes": uploads.used_bytes(request.user),
        "upload_max_mb": config.upload_max_file_mb, "upload_quota_mb": config.upload_quota_mb,
    }


@login_required
def index(request):
    if request.method == "POST":
        return upload(request)
    if request.htmx and request.GET.get("fragment") == "rows":
        return render(request, "documents/index.html#rows", list_context(request))
    return render(request, "documents/index.html", list_context(request))


def upload(request):
    """Stores each acceptable file; the page lists what was refused and why (4xx)."""
    files = request.FILES.getlist("files")
    if files and not rate_limits.allow(request.user, "upload", cost=len(files)):
        return rate_limits.too_many(request, "upload")
    outcomes, statuses = [], []
    if not files:
        outcomes.append({"name": "", "error": _("Choose at least one file to upload.")})
        statuses.append(400)
    for uploaded in files:
        name = uploads.display_name(uploaded.name)
        try:
            result = uploads.accept(request.user, uploaded)
        except RefusedFile as refusal:
            outcomes.append({"name": name, "error": str(refusal)})
            statuses.append(refusal.status)
            continue
        outcomes.append({"name": name, "document": result.document, "duplicate": result.duplicate})
    if statuses:
        status = 413 if all(code == 413 for code in statuses) else 400
        context = list_context(request, outcomes)
        return render(request, "documents/index.html", context, status=status)
    for outcome in outcomes:
        if outcome["duplicate"]:
            messages.info(request, _("%(name)s was already uploaded as %(existing)s.")
                          % {"name": outcome["name"], "existing": outcome["document"].filename})
    if any(not outcome["duplicate"] for outcome in outcomes):
        messages.success(request, _("Uploaded; processing has started."))
    return redirect("documents:index")


@login_required
def search(request):
    query = request.GET.get("q", "").strip()
    hits = document_search.search(request.user, query, limit=50) if query else []
    return render(request, "documents/search.html", {"query": query, "hits": hits})


@login_required
def detail(request, pk):
    document = owned(request, pk)
    if request.htmx and request.GET.get("fragment") == "status":
        response = render(request, "documents/detail.html#status", {"document": document})
        if not document.is_busy:
            # Finished: reload once so the text, values and preview appear too.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "documents/detail.html", detail_context(document))


def detail_context(document, form=None, formset=None) -> dict:
    lab_values = (document.metadata or {}).get("lab_values") or []
    record = {value.position: value for value in document.lab_results.select_related("analyte")}
    language = get_language() or "en"
    return {
        "document": document,
        # Each extracted value beside the analyte it is in the record (lab_values.py).
        "lab_rows": [(item, record.get(index),
                      record[index].analyte.name(language)
                      if index in record and record[index].analyte else "")
                     for index, item in enumerate(lab_values)],
        "medication_actions": document_actions.medication_cards(document),
        "follow_ups": follow_ups.cards(document),
        "facts_form": form or FactsForm(initial=FactsForm.initial_for(document)),
        "lab_formset": formset or LabValueFormSet(initial=lab_values, prefix="lab"),
        # Page by page, where the pages are known: the answers' sources link to #page-N.
        "text_pages": pages.numbered(document.extracted_text, document.page_starts,
                                     document.page_count),
    }


@login_required
@require_POST
def correct_facts(request, pk):
    """The user's correction of the facts; kept when the document is processed again."""
    document = owned(request, pk)
    form = FactsForm(request.POST)
    formset = LabValueFormSet(request.POST, prefix="lab")
    if not (form.is_valid() and formset.is_valid()):
        messages.error(request, _("The facts were not saved: check the marked fields."))
        return render(request, "documents/detail.html",
                      detail_context(document, form, formset), status=400)
    lab_values = [value for row in formset if (value := row.lab_value()) is not None]
    facts_state.save_corrections(document, form.cleaned_data, lab_values)
    messages.success(request, _("Your corrections were saved."))
    return redirect("documents:detail", pk=document.pk)


@login_required
def preview(request, pk):
    document = owned(request, pk)
    if not document.preview:
        raise Http404
    response = FileResponse(document.preview.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def download(request, pk):
    document = owned(request, pk)
    inline = document.mime_type in INLINE_TYPES and request.GET.get("inline") == "1"
    content_type = document.mime_type
    if content_type == "text/plain":
        content_type = "text/plain; charset=utf-8"
    return FileResponse(
        document.file.open("rb"), as_attachment=not inline, filename=document.filename,
        content_type=content_type,
    )


@login_required
@require_POST
def reindex(request, pk):
    document = owned(request, pk)
    if not rate_limits.allow(request.user, "reindex"):
        return rate_limits.too_many(request, "reindex")
    tasks.reindex(document)
    messages.success(request, _("Processing %(name)s again.") % {"name": document.filename})
    return redirect("documents:detail", pk=document.pk)


@login_required
@require_POST
def delete(request, pk):
    document = owned(request, pk)
    name = document.filename
    document.delete_with_files()
    messages.success(request, _("%(name)s was deleted.") % {"name": name})
    return redirect("documents:index")
