"""The health timeline and the appointment PDF made from it."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .appointment import compile_appointment_pdf
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


@login_required
@require_POST
def appointment_pdf(request):
    report = compile_appointment_pdf(request.user)
    return FileResponse(report.file.open("rb"), as_attachment=True,
                        filename="appointment.pdf", content_type="application/pdf")
