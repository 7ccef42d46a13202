"""The trends page (/memory/trends/): the health record's vitals and adherence charts, then
the lab values extracted from documents."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from memory.charts import adherence_charts, vital_charts

from .trend_charts import chart
from .trends import lab_series


@login_required
def trends(request):
    series = lab_series(request.user)
    charts = [(one, chart(one)) for one in series]
    return render(request, "documents/trends.html", {
        "charts": charts,
        # The health record's own charts (memory/charts.py) come first.
        "vital_charts": vital_charts(request.user),
        "adherence_charts": adherence_charts(request.user),
    })
