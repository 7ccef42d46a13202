"""Data control: download everything I own, erase my account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import export, provider_proof, rate_limits, switching
from .erase import erase_account
from .forms import EraseForm
from .models import DataExport


@login_required
def export_page(request):
    """GET shows what the zip will hold (and the job's progress); POST builds it."""
    latest = DataExport.objects.for_user(request.user).first()
    if request.method == "POST":
        if not rate_limits.allow(request.user, "export"):
            return rate_limits.too_many(request, "export")
        summary = export.summarise(request.user)
        if summary.is_large or request.POST.get("mode") == "job":
            export.start_job(request.user)
            messages.info(
                request, _("Your export is being prepared. This page shows its progress.")
            )
            return redirect("settings:export")
        return FileResponse(
            export.build_now(request.user), as_attachment=True,
            filename=export.filename(request.user), content_type="application/zip",
        )
    if request.htmx and latest is not None:
        return render(request, "accounts/export.html#job", {"export_job": latest})
    context = {"summary": export.summarise(request.user), "export_job": latest}
    return render(request, "accounts/export.html", context)


@login_required
def export_download(request, pk):
    job = get_object_or_404(
        DataExport.objects.for_user(request.user).filter(status=DataExport.Status.DONE), pk=pk
    )
    return FileResponse(
        job.file.storage.open(job.file.name, "rb"), as_attachment=True,
        filename=export.filename(request.user), content_type="application/zip",
    )


@login_required
def delete_page(request):
    form = EraseForm(request.POST or None, user=request.user,
                     proven=provider_proof.is_fresh(request))
    context = {"form": form, "proof_providers": (
        provider_proof.providers(request) if form.needs_proof and not form.proven else [])}
    if request.method == "POST":
        if form.is_valid():
            return _erase(request)
        return render(request, "accounts/delete.html", context, status=400)
    return render(request, "accounts/delete.html", context)


@login_required
@require_POST
def delete_prove(request):
    """Starts the fresh sign-in through the account's provider (an account without a
    password or a second factor); it comes back to the delete page."""
    return provider_proof.start(request, str(request.POST.get("provider", "")))


def _erase(request):
    """Sign the account out first (another account of this browser, if any, becomes
    active), then erase it."""
    user = request.user
    email = user.email
    still_signed_in = switching.sign_out(request, user.pk)
    erase_account(user)
    messages.success(
        request, _("The account %(email)s and all its data are erased.") % {"email": email}
    )
    return redirect("dashboard" if still_signed_in else "account_login")
