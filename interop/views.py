"""The import page: upload a file, follow its import, see past imports, delete one with
what it brought; and the FHIR export of the whole record."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import rate_limits

from . import fhir_export, uploads
from .models import RecordImport

BUSY = (RecordImport.Status.QUEUED, RecordImport.Status.RUNNING)


def _labels() -> dict:
    return {"vitals": _("Vital signs"), "lab_values": _("Lab values"),
            "medications": _("Medications"), "conditions": _("Conditions"),
            "allergies": _("Allergies"), "immunizations": _("Immunizations"),
            "reports": _("Reports")}


def _context(request, error: str = "") -> dict:
    imports = list(RecordImport.objects.for_user(request.user)[:50])
    labels = _labels()
    for item in imports:
        counts = item.counts or {}
        item.parts = [(labels.get(name, name), count)
                      for name, count in (counts.get("by_type") or {}).items() if count]
        item.reasons = counts.get("reasons") or []
    return {"imports": imports, "busy": any(item.status in BUSY for item in imports),
            "error": error}


@login_required
def index(request):
    if request.method == "POST":
        return upload(request)
    if request.htmx and request.GET.get("fragment") == "rows":
        return render(request, "interop/index.html#rows", _context(request))
    return render(request, "interop/index.html", _context(request))


def upload(request):
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return render(request, "interop/index.html",
                      _context(request, _("Choose a file to import.")), status=400)
    if not rate_limits.allow(request.user, "upload"):
        return rate_limits.too_many(request, "upload")
    try:
        record_import = uploads.accept(request.user, uploaded)
    except uploads.Refused as refusal:
        return render(request, "interop/index.html", _context(request, str(refusal)),
                      status=refusal.status)
    messages.success(request, _("%(name)s is being imported.") % {"name": record_import.file_name})
    return redirect("interop:index")


@login_required
def delete(request, pk):
    """Asks first (GET), then deletes the import and everything it brought (POST)."""
    record_import = get_object_or_404(RecordImport.objects.for_user(request.user), pk=pk)
    if request.method != "POST":
        counts = record_import.counts or {}
        labels = _labels()
        parts = [(labels.get(name, name), count)
                 for name, count in (counts.get("by_type") or {}).items() if count]
        return render(request, "interop/delete.html",
                      {"record_import": record_import, "parts": parts})
    removed = uploads.delete(record_import)
    messages.success(request, _("The import of %(name)s is deleted, with the %(count)s items "
                                "it brought.") % {"name": record_import.file_name,
                                                  "count": sum(removed.values())})
    return redirect("interop:index")


@login_required
def export_fhir(request):
    if not rate_limits.allow(request.user, "export"):
        return rate_limits.too_many(request, "export")
    bundle = fhir_export.bundle(request.user)
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=1),
                            content_type="application/fhir+json; charset=utf-8")
    name = f"anamnesis-fhir-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
