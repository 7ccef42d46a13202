"""The trends page (/memory/trends/): the health record's vitals and adherence charts, then
one chart per analyte of the lab values; and the correction of a value's match."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from labs.catalogue import catalogue
from labs.models import Analyte, LabValue
from memory.charts import adherence_charts, vital_charts
from memory.forms import LabUnitsForm
from memory.models import HealthPreference

from .lab_values import correct_match
from .trend_charts import chart
from .trends import lab_series, range_label


@login_required
def trends(request):
    series = lab_series(request.user)
    return render(request, "documents/trends.html", {
        "charts": [(one, chart(one), range_label(one)) for one in series],
        "units_form": LabUnitsForm(instance=HealthPreference.for_user(request.user)),
        # The health record's own charts (memory/charts.py) come first.
        "vital_charts": vital_charts(request.user),
        "adherence_charts": adherence_charts(request.user),
    })


@login_required
def match(request, pk):
    """"This value is a different analyte": the user's own match of one value."""
    value = get_object_or_404(LabValue.objects.for_user(request.user)
                              .select_related("analyte", "source_document"), pk=pk)
    if request.method == "POST":
        code = request.POST.get("analyte", "")
        if code and code not in catalogue().by_code:
            return HttpResponseBadRequest(_("Choose an analyte of the list."))
        correct_match(value, code)
        messages.success(request, _("The value is moved to its analyte."))
        return redirect("trends:index")
    language = get_language() or "en"
    groups = {}
    for analyte in Analyte.objects.order_by("category", "name_en"):
        groups.setdefault(analyte.get_category_display(), []).append(
            (analyte.code, f"{analyte.name(language)} ({analyte.unit})"))
    return render(request, "documents/lab_value_match.html",
                  {"value": value, "groups": groups})
