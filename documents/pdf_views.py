"""Compiled PDF reports: the list with the compile form, and the download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import rate_limits
from chats import actions

from . import suggested_questions
from .appointment import MAX_QUESTIONS_CHARS, compile_appointment_pdf, questions_from
from .forms import ReportForm
from .models import GeneratedPDF
from .reports import compile_report


@login_required
def index(request):
    form = ReportForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not rate_limits.allow(request.user, "compile"):
            return rate_limits.too_many(request, "compile")
        data = form.cleaned_data
        compile_report(
            request.user, data["title"],
            memory_ids=[entry.pk for entry in data["memory"]],
            document_ids=[document.pk for document in data["documents"]],
            include_trends=data["include_trends"],
            chat_id=data["chat"].pk if data["chat"] else None,
        )
        messages.success(request, _("The report is ready."))
        return redirect("pdfs:index")
    reports = GeneratedPDF.objects.for_user(request.user).select_related("source_chat")
    status = 400 if request.method == "POST" else 200
    return render(request, "documents/pdfs.html", {"form": form, "reports": reports}, status=status)


@login_required
def download(request, pk):
    report = get_object_or_404(GeneratedPDF.objects.for_user(request.user), pk=pk)
    name = f"{slugify(report.title, allow_unicode=True) or 'report'}.pdf"
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=name,
                        content_type="application/pdf")


@login_required
@require_http_methods(["GET", "POST"])
def appointment(request):
    """“Prepare for my appointment” (timeline and medications pages): the questions to
    bring — the user's own, and the ones the assistant suggested, ticked — then the PDF,
    compiled and sent."""
    if request.method != "POST":
        return render(request, "documents/appointment.html", {
            "max_chars": MAX_QUESTIONS_CHARS,
            "suggested": suggested_questions.kept(request.user),
            "waiting": [{**actions.card(action), "text": (action.payload or {}).get("text", "")}
                        for action in suggested_questions.waiting(request.user)],
        })
    if not rate_limits.allow(request.user, "compile"):
        return rate_limits.too_many(request, "compile")
    report = compile_appointment_pdf(
        request.user, questions_from(request.POST.get("questions", "")),
        suggested_questions.chosen(request.user, request.POST.getlist("suggested")))
    return FileResponse(report.file.open("rb"), as_attachment=True,
                        filename="appointment.pdf", content_type="application/pdf")


@login_required
@require_POST
def remove_question(request, pk):
    """Drops a question the assistant suggested (the Undo of its action)."""
    if not suggested_questions.remove(request.user, pk):
        raise Http404
    messages.success(request, _("The question was removed."))
    return redirect("pdfs:appointment")
