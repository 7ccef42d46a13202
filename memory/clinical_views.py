"""The pages of conditions, allergies and immunizations: the list with a form to add one,
editing and deleting one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .clinical import KINDS


def _tabs(current: str) -> list[dict]:
    return [{"kind": kind, "active": key == current} for key, kind in KINDS.items()]


@login_required
def index(request, kind):
    kind = KINDS[kind]
    form = kind.form(request.POST or None, instance=kind.model(user=request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, kind.saved)
        return redirect(kind.route)
    entries = kind.model.objects.for_user(request.user).select_related(
        "source_import", "source_document")
    return render(request, "memory/clinical.html", {
        "kind": kind, "form": form, "entries": entries, "tabs": _tabs(kind.key),
    }, status=400 if form.errors else 200)


@login_required
def edit(request, kind, pk):
    kind = KINDS[kind]
    entry = get_object_or_404(kind.model.objects.for_user(request.user)
                              .select_related("source_import", "source_document"), pk=pk)
    form = kind.form(request.POST or None, instance=entry)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, kind.saved)
            return redirect(kind.route)
        return render(request, "memory/clinical_edit.html",
                      {"kind": kind, "form": form, "entry": entry}, status=400)
    return render(request, "memory/clinical_edit.html",
                  {"kind": kind, "form": form, "entry": entry})


@login_required
@require_POST
def delete(request, kind, pk):
    kind = KINDS[kind]
    entry = get_object_or_404(kind.model.objects.for_user(request.user), pk=pk)
    entry.delete()
    messages.success(request, kind.deleted)
    return redirect(kind.route)
