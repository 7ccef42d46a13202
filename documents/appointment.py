"""“Prepare for my appointment”: a PDF of current medications with adherence, recent vitals
(from the health record, memory) and abnormal lab values, compiled like the other
reports (WeasyPrint, local fonts with Cyrillic, nothing fetched) and kept among the
user's PDFs. The template is memory/appointment_report.html."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locale import user_language, zone_of
from memory import vitals
from memory.adherence import adherence
from memory.models import HealthPreference, Medication, Vital

from .models import GeneratedPDF
from .reports import refuse_fetch
from .trends import lab_series

RECENT_VITALS = timedelta(days=90)
LABS_SINCE = timedelta(days=365)


def context(user, now=None) -> dict:
    now = now or timezone.now()
    preference = HealthPreference.for_user(user)
    current = list(Medication.objects.for_user(user).filter(is_active=True))
    for medication in current:
        medication.adherence = adherence(medication, days=30, now=now)
    recent = Vital.objects.for_user(user).filter(measured_at__gte=now - RECENT_VITALS) \
        .order_by("kind", "-measured_at")
    abnormal = []
    for series in lab_series(user):
        for point in series.points:
            if point.out_of_range and point.date >= (now - LABS_SINCE).date():
                abnormal.append((series, point))
    abnormal.sort(key=lambda pair: pair[1].date, reverse=True)
    return {
        "user": user, "created": now, "medications": current,
        "latest": vitals.latest(user, preference),
        "readings": [vitals.reading(vital, preference) for vital in recent[:60]],
        "abnormal": abnormal,
    }


def compile_appointment_pdf(user) -> GeneratedPDF:
    with user_language(user), timezone.override(zone_of(user)):
        title = _("For my appointment")
        html = render_to_string("memory/appointment_report.html",
                                {**context(user), "title": title})
    from weasyprint import HTML  # heavy: loaded only when a PDF is made

    pdf_bytes = HTML(string=html, url_fetcher=refuse_fetch).write_pdf()
    report = GeneratedPDF(user=user, title=title)
    report.file.save("appointment.pdf", ContentFile(pdf_bytes), save=True)
    return report
