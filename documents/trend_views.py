"""The lab trends page (/memory/trends/), built from documents' extracted lab values."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .trend_charts import chart
from .trends import lab_series


@login_required
def trends(request):
    series = lab_series(request.user)
    charts = [(one, chart(one)) for one in series]
    return render(request, "documents/trends.html", {"charts": charts})
