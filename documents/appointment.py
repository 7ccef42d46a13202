"""“Prepare for my appointment”: a PDF of allergies, active conditions, current medications
with adherence, recent vitals (from the health record, memory), lab values out of range
with their trend, the recent documents, and a page of the user's questions — compiled like
the other reports (WeasyPrint, local fonts with Cyrillic, nothing fetched) and kept among
the user's PDFs. The template is memory/appointment_report.html."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.locale import user_language, zone_of
from memory import vitals
from memory.adherence import adherence
from memory.clinical import noted_only
from memory.models import Allergy, Condition, HealthPreference, Medication, Vital

from .models import Document, GeneratedPDF
from .reports import refuse_fetch
from .trends import lab_series, range_text

RECENT_VITALS = timedelta(days=90)
LABS_SINCE = timedelta(days=365)
RECENT_DOCUMENTS = timedelta(days=365)
MAX_DOCUMENTS = 15
MAX_QUESTIONS_CHARS = 4000


def questions_from(text: str) -> list[str]:
    """The user's questions, one a line (list markers dropped), at most a page's worth."""
    lines = (line.strip().lstrip("-*•").strip() for line in text[:MAX_QUESTIONS_CHARS].splitlines())
    return [line for line in lines if line]


def _number(value: float) -> str:
    return f"{float(f'{value:.4g}'):g}"


def out_of_range_trends(user, now) -> list[dict]:
    """Each analyte with a value out of range in the last year: its latest value, the one
    before, the direction over its whole series and how many values were out of range."""
    since = (now - LABS_SINCE).date()
    trends = []
    for series in lab_series(user):
        recent = [point for point in series.points if point.out_of_range and point.date >= since]
        if not recent:
            continue
        figures = series.figures()
        trends.append({"series": series, "latest": figures["latest"] or recent[-1],
                       "previous": figures["previous"], "direction": figures["direction"],
                       "out_of_range": figures["out_of_range"], "count": figures["count"],
                       "last_abnormal": recent[-1],
                       "range": range_text(recent[-1].low, recent[-1].high, _number)})
    trends.sort(key=lambda trend: trend["last_abnormal"].date, reverse=True)
    return trends


@dataclass
class Line:
    """One allergy or condition as the report lists it: a name and what is known of it."""

    title: str
    content: str = ""


def allergy_lines(user) -> list[Line]:
    """Active allergies of the record, then those only written as memory entries."""
    lines = []
    for allergy in Allergy.objects.for_user(user).filter(status=Allergy.Status.ACTIVE) \
            .order_by("substance"):
        details = [allergy.reaction, str(allergy.get_severity_display()) if allergy.severity
                   else "", allergy.note]
        lines.append(Line(allergy.substance, " · ".join(part for part in details if part)))
    lines += [Line(entry.title, entry.content)
              for entry in noted_only(user, Allergy, [line.title for line in lines])]
    return lines


def condition_lines(user) -> list[Line]:
    """Active conditions of the record, then those only written as memory entries."""
    lines = []
    for condition in Condition.objects.for_user(user).filter(status=Condition.Status.ACTIVE) \
            .order_by("name"):
        since = _("since %(date)s") % {"date": date_format(condition.onset, "SHORT_DATE_FORMAT")} \
            if condition.onset else ""
        lines.append(Line(condition.name,
                          " · ".join(part for part in (since, condition.note) if part)))
    lines += [Line(entry.title, entry.content)
              for entry in noted_only(user, Condition, [line.title for line in lines])]
    return lines


def context(user, now=None, questions=(), suggested=()) -> dict:
    now = now or timezone.now()
    preference = HealthPreference.for_user(user)
    current = list(Medication.objects.for_user(user).filter(is_active=True))
    for medication in current:
        medication.adherence = adherence(medication, days=30, now=now)
    recent = Vital.objects.for_user(user).filter(measured_at__gte=now - RECENT_VITALS) \
        .order_by("kind", "-measured_at")
    documents = (Document.objects.for_user(user)
                 .filter(status=Document.Status.COMPLETED, created__gte=now - RECENT_DOCUMENTS)
                 .order_by("-document_date", "-created")
                 .only("filename", "doc_type", "document_date", "created", "metadata"))
    return {
        "user": user, "created": now, "medications": current,
        "allergies": allergy_lines(user),
        "conditions": condition_lines(user),
        "latest": vitals.latest(user, preference),
        "readings": [vitals.reading(vital, preference) for vital in recent[:60]],
        "trends": out_of_range_trends(user, now),
        "documents": list(documents[:MAX_DOCUMENTS]),
        "questions": list(questions),
        "suggested_questions": list(suggested),  # kept from the assistant's suggestions
    }


def compile_appointment_pdf(user, questions=(), suggested=()) -> GeneratedPDF:
    """`questions`: the user's own; `suggested`: the assistant's they kept (marked so)."""
    with user_language(user), timezone.override(zone_of(user)):
        title = _("For my appointment")
        html = render_to_string("memory/appointment_report.html", {
            **context(user, questions=questions, suggested=suggested), "title": title})
    from weasyprint import HTML  # heavy: loaded only when a PDF is made

    pdf_bytes = HTML(string=html, url_fetcher=refuse_fetch).write_pdf()
    report = GeneratedPDF(user=user, title=title)
    report.file.save("appointment.pdf", ContentFile(pdf_bytes), save=True)
    return report
