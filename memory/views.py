"""Memory pages: entries grouped by category, filtered by importance; add, edit, delete."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import MemoryEntryForm
from .models import MemoryEntry

IMPORTANCE_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
# Entries a page: the template engine draws ~0.08 ms of CPU per entry, so 500 entries on
# one page took ~45 ms; a page of 100 stays well within the 50 ms of SPEC §8.
PAGE_SIZE = 100


def _rank(field: str, values) -> Case:
    return Case(*(When(**{field: value}, then=Value(rank)) for rank, value in enumerate(values)),
                default=Value(len(values)), output_field=IntegerField())


def in_page_order(entries):
    """Category in the order of the model, then most important first, then by title: the
    order of the pages, so a category continues on the next page where it stopped."""
    return entries.order_by(_rank("category", MemoryEntry.Category.values),
                            _rank("importance", list(IMPORTANCE_ORDER)), Lower("title"), "pk")


def grouped(entries) -> list[dict]:
    """Entries (already in page order) by category, in the category order of the model."""
    groups = {value: {"value": value, "label": label, "entries": []}
              for value, label in MemoryEntry.Category.choices}
    importance_labels = {value: str(label) for value, label in MemoryEntry.Importance.choices}
    for entry in entries:
        entry.importance_label = importance_labels.get(entry.importance, entry.importance)
        groups[entry.category]["entries"].append(entry)
    return [group for group in groups.values() if group["entries"]]


@login_required
def index(request):
    importance = request.GET.get("importance", "")
    show_inactive = request.GET.get("inactive") == "1"
    entries = MemoryEntry.objects.for_user(request.user).only(
        "category", "importance", "title", "content", "is_active", "updated",
        "source_chat_id", "source_document_id")
    if importance in IMPORTANCE_ORDER:
        entries = entries.filter(importance=importance)
    if not show_inactive:
        entries = entries.filter(is_active=True)
    page = Paginator(in_page_order(entries), PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {key: value for key, value in (("importance", importance),
                                             ("inactive", "1" if show_inactive else "")) if value}
    return render(request, "memory/index.html", {
        "groups": grouped(page.object_list),
        "page": page,
        "filters": urlencode(filters) + "&" if filters else "",
        "importance": importance,
        "importances": MemoryEntry.Importance.choices,
        "show_inactive": show_inactive,
    })


@login_required
def new(request):
    form = MemoryEntryForm(request.POST or None, instance=MemoryEntry(user=request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Memory entry saved."))
        return redirect("memory:index")
    return render(request, "memory/form.html", {"form": form})


@login_required
def detail(request, pk):
    entry = get_object_or_404(MemoryEntry.objects.for_user(request.user)
                              .select_related("source_chat", "source_document"), pk=pk)
    return render(request, "memory/detail.html", {"entry": entry})


@login_required
def edit(request, pk):
    entry = get_object_or_404(MemoryEntry.objects.for_user(request.user), pk=pk)
    form = MemoryEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        entry = form.save(commit=False)
        # Edited by hand, it is the user's now: the assistant must ask before changing it.
        entry.created_by = MemoryEntry.Author.USER
        entry.save()
        messages.success(request, _("Memory entry saved."))
        return redirect("memory:detail", pk=entry.pk)
    return render(request, "memory/form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def delete(request, pk):
    entry = get_object_or_404(MemoryEntry.objects.for_user(request.user), pk=pk)
    entry.delete()
    messages.success(request, _("Memory entry deleted."))
    return redirect("memory:index")
