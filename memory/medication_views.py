"""Medication pages: the list, add, one medication (edit, stop, its doses and adherence).
Answers from reminders come through notifications/dose_views.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import doses, medications
from .adherence import adherence, todays_doses
from .forms import MedicationForm
from .models import DoseEvent, Medication


@login_required
def index(request):
    mine = list(Medication.objects.for_user(request.user))
    for medication in mine:
        medication.adherence = adherence(medication, days=30) if medication.is_active else None
        medication.today = todays_doses(medication) if medication.is_active else []
    return render(request, "memory/medications.html", {
        "active": [m for m in mine if m.is_active],
        "stopped": [m for m in mine if not m.is_active],
    })


@login_required
def new(request):
    form = MedicationForm(request.POST or None, instance=Medication(user=request.user))
    if request.method == "POST":
        if form.is_valid():
            medication = medications.save(form.save(commit=False))
            messages.success(request, _("%(name)s is saved.") % {"name": medication})
            return redirect("memory:medication", pk=medication.pk)
        return render(request, "memory/medication_form.html", {"form": form}, status=400)
    return render(request, "memory/medication_form.html", {"form": form})


@login_required
def detail(request, pk):
    medication = get_object_or_404(Medication.objects.for_user(request.user), pk=pk)
    form = MedicationForm(request.POST or None, instance=medication)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            medications.save(form.save(commit=False))
            messages.success(request, _("%(name)s is saved.") % {"name": medication})
            return redirect("memory:medication", pk=medication.pk)
        status = 400
    history = DoseEvent.objects.filter(medication=medication).order_by("-scheduled_for")[:20]
    return render(request, "memory/medication.html", {
        "medication": medication, "form": form,
        "adherence": adherence(medication, days=30),
        "today": todays_doses(medication) if medication.is_active else [],
        "history": history,
    }, status=status)


@login_required
@require_POST
def stop(request, pk):
    medication = get_object_or_404(Medication.objects.for_user(request.user), pk=pk)
    medications.stop(medication)
    messages.success(request, _("%(name)s is stopped; its reminders are cancelled.")
                     % {"name": medication})
    return redirect("memory:medication", pk=medication.pk)


@login_required
@require_POST
def record_dose(request, pk):
    """The page's buttons: a scheduled dose taken or skipped, or a dose taken now."""
    medication = get_object_or_404(Medication.objects.for_user(request.user), pk=pk)
    state = request.POST.get("state")
    if state not in (DoseEvent.State.TAKEN, DoseEvent.State.SKIPPED):
        return HttpResponseBadRequest(_("Unknown answer."))
    raw = request.POST.get("scheduled_for")
    if raw:
        when = parse_datetime(raw)
        scheduled = {dose.scheduled_for for dose in todays_doses(medication)}
        if when is None or when not in scheduled:
            return HttpResponseBadRequest(_("There is no such dose today."))
        outcome = doses.record(medication, when, state, DoseEvent.Via.PAGE, correcting=True)
    elif state == DoseEvent.State.TAKEN:  # “I took a dose now”
        outcome = doses.take_now(medication, DoseEvent.Via.PAGE)
    else:
        return HttpResponseBadRequest(_("There is no such dose today."))
    messages.success(request, outcome.message)
    return redirect("memory:medication", pk=medication.pk)
