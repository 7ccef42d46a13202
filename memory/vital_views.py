"""The vitals page: quick add, the latest of each kind, recent readings, display units;
correcting or deleting one reading."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import vitals
from .forms import HealthPreferenceForm, LabUnitsForm, VitalForm
from .models import HealthPreference, Vital

RECENT = 50


def _page(request, form, units_form, status=200):
    preference = units_form.instance
    recent = Vital.objects.for_user(request.user).order_by("-measured_at")[:RECENT]
    kind = request.GET.get("kind", "")
    if kind in Vital.Kind.values:
        recent = Vital.objects.for_user(request.user).filter(kind=kind) \
            .order_by("-measured_at")[:RECENT]
    return render(request, "memory/vitals.html", {
        "form": form, "units_form": units_form,
        "latest": vitals.latest(request.user, preference),
        "readings": [vitals.reading(vital, preference) for vital in recent],
        "kinds": Vital.Kind.choices, "kind": kind,
        "units": {kind: vitals.display_unit(kind, preference) for kind in Vital.Kind.values},
    }, status=status)


@login_required
def index(request):
    preference = HealthPreference.for_user(request.user)
    initial = {"measured_at": timezone.localtime().replace(second=0, microsecond=0),
               "kind": request.GET.get("kind") or Vital.Kind.BLOOD_PRESSURE}
    form = VitalForm(request.POST or None, instance=Vital(user=request.user),
                     preference=preference, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            vital = form.save()
            messages.success(request, _("Saved: %(kind)s %(value)s %(unit)s.") % {
                "kind": vital.get_kind_display(),
                "value": vitals.reading(vital, preference).text,
                "unit": vitals.display_unit(vital.kind, preference)})
            return redirect("memory:vitals")
        return _page(request, form, HealthPreferenceForm(instance=preference), status=400)
    return _page(request, form, HealthPreferenceForm(instance=preference))


@login_required
@require_POST
def units(request):
    preference = HealthPreference.for_user(request.user)
    units_form = HealthPreferenceForm(request.POST, instance=preference)
    if units_form.is_valid():
        units_form.save()
        messages.success(request, _("Your units are saved."))
        return redirect("memory:vitals")
    form = VitalForm(instance=Vital(user=request.user), preference=preference)
    return _page(request, form, units_form, status=400)


@login_required
@require_POST
def delete(request, pk):
    vital = get_object_or_404(Vital.objects.for_user(request.user), pk=pk)
    vital.delete()
    messages.success(request, _("The reading is deleted."))
    return redirect("memory:vitals")


@login_required
def edit(request, pk):
    """One reading corrected: its value (in the user's unit), time, kind or note."""
    vital = get_object_or_404(Vital.objects.for_user(request.user), pk=pk)
    preference = HealthPreference.for_user(request.user)
    form = VitalForm(request.POST or None, instance=vital, preference=preference)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("The reading is saved."))
            return redirect("memory:vitals")
        return render(request, "memory/vital_edit.html", {"form": form, "vital": vital},
                      status=400)
    return render(request, "memory/vital_edit.html", {"form": form, "vital": vital})


@login_required
@require_POST
def lab_units(request):
    """SI or conventional units for lab values, from the trends page."""
    form = LabUnitsForm(request.POST, instance=HealthPreference.for_user(request.user))
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose SI or conventional units."))
    form.save()
    return redirect("trends:index")
