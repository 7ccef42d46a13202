"""Medication pages: the list, add, one medication (edit, stop, its doses and adherence).
Answers from reminders come through notifications/dose_views.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.locale import zone_of

from . import doses, medications, stock
from .adherence import adherence, answerable_day, doses_of_day, todays_doses
from .forms import MedicationForm, StockForm
from .models import DoseEvent, Medication


@login_required
def index(request):
    mine = list(Medication.objects.for_user(request.user))
    for medication in mine:
        medication.adherence = adherence(medication, days=30) if medication.is_active else None
        medication.today = todays_doses(medication) if medication.is_active else []
        medication.current_stock = stock.stock(medication) if medication.is_active else None
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


def _stock_form(medication, current):
    return StockForm(initial={
        "on_hand": f"{current.left.normalize():f}" if current else None,
        "units_per_dose": f"{medication.units_per_dose.normalize():f}",
        "warning_days": medication.refill_warning_days})


@login_required
def detail(request, pk):
    medication = get_object_or_404(Medication.objects.for_user(request.user), pk=pk)
    form = MedicationForm(request.POST or None, instance=medication)
    if request.method == "POST":
        if form.is_valid():
            medications.save(form.save(commit=False))
            messages.success(request, _("%(name)s is saved.") % {"name": medication})
            return redirect("memory:medication", pk=medication.pk)
        return _detail_page(request, medication, form=form, status=400)
    return _detail_page(request, medication, form=form)


def _detail_page(request, medication, *, form=None, stock_form=None, status=200):
    history = DoseEvent.objects.filter(medication=medication).order_by("-scheduled_for")[:20]
    day = answerable_day(medication, request.GET.get("day"))
    today = timezone.localdate(timezone=zone_of(request.user))
    current = stock.stock(medication)
    return render(request, "memory/medication.html", {
        "medication": medication, "form": form or MedicationForm(instance=medication),
        "adherence": adherence(medication, days=30),
        "day": day, "is_today": day == today, "today_date": today,
        "day_doses": doses_of_day(medication, day),
        "history": history,
        "stock": current, "stock_form": stock_form or _stock_form(medication, current),
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
def count_stock(request, pk):
    """What is on hand now, counted by the user."""
    medication = get_object_or_404(Medication.objects.for_user(request.user), pk=pk)
    form = StockForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, medication, stock_form=form, status=400)
    stock.count(medication, form.cleaned_data["on_hand"], form.cleaned_data["units_per_dose"],
                form.cleaned_data["warning_days"])
    messages.success(request, _("The stock of %(name)s is saved.") % {"name": medication})
    return redirect("memory:medication", pk=medication.pk)


def _scheduled_dose(medication, raw: str):
    """The posted dose time when it is one of the medication's doses on a day the page
    may answer (from its start to today), else None."""
    try:
        when = parse_datetime(raw[:40])
    except ValueError:
        return None
    if when is None or timezone.is_naive(when):
        return None
    day = answerable_day(medication, when.astimezone(zone_of(medication.user)).date().isoformat())
    return when if when in {dose.scheduled_for for dose in doses_of_day(medication, day)} else None


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
        when = _scheduled_dose(medication, raw)
        if when is None:
            return HttpResponseBadRequest(_("There is no such dose."))
        day = when.astimezone(zone_of(request.user)).date()
        outcome = doses.record(medication, when, state, DoseEvent.Via.PAGE, correcting=True)
        messages.success(request, outcome.message)
        return redirect(f"{reverse('memory:medication', args=[medication.pk])}?day={day}")
    if state != DoseEvent.State.TAKEN:
        return HttpResponseBadRequest(_("There is no such dose."))
    outcome = doses.take_now(medication, DoseEvent.Via.PAGE)  # “I took a dose now”
    messages.success(request, outcome.message)
    return redirect("memory:medication", pk=medication.pk)
