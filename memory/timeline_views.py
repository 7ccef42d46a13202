"""The health timeline (its appointment PDF is made by documents: pdfs:appointment)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .timeline import KINDS, PERIODS, events


@login_required
def timeline(request):
    valid = {kind for kind, _label in KINDS}
    kinds = [kind for kind in request.GET.getlist("kind") if kind in valid]
    period = request.GET.get("days", "90")
    if period not in PERIODS:
        period = "90"
    found = events(request.user, kinds=kinds, days=PERIODS[period])
    return render(request, "memory/timeline.html", {
        "events": found, "kinds": KINDS, "chosen": kinds, "period": period,
        "periods": list(PERIODS),
    })
