"""The trends page (/memory/trends/): vitals and adherence from the health record, and
lab values from documents, as server-rendered SVG."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from documents.trend_charts import chart
from documents.trends import lab_series

from .charts import adherence_charts, vital_charts


@login_required
def trends(request):
    return render(request, "memory/trends.html", {
        "vital_charts": vital_charts(request.user),
        "adherence_charts": adherence_charts(request.user),
        "charts": [(one, chart(one)) for one in lab_series(request.user)],
    })
