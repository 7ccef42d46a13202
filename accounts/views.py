"""Profile settings and the language switch."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .forms import ProfileForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            translation.activate(user.language)
            messages.success(request, _("Your profile is saved."))
            response = redirect("settings:profile")
            response.set_cookie("django_language", user.language, samesite="Lax")
            return response
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request):
    """Django's set_language, which also stores the choice on a signed-in user."""
    language = request.POST.get("language", "")
    response = django_set_language(request)
    if request.user.is_authenticated and language in {"en", "ru"}:
        request.user.language = language
        request.user.save(update_fields=["language", "updated"])
    if response.status_code == 204:  # no safe next URL given
        next_url = request.META.get("HTTP_REFERER", "/")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            next_url = "/"
        redirected = HttpResponseRedirect(next_url)
        for cookie in response.cookies.values():
            redirected.cookies[cookie.key] = cookie
        return redirected
    return response
