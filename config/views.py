"""Pages that belong to the whole app: the dashboard, health check, placeholders."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.dashboard import dashboard_summary

from . import health

SECTION_TITLES = {
    "chats": _("Chats"),
    "documents": _("Documents"),
    "memory": _("Memory"),
    "trends": _("Lab trends"),
    "pdfs": _("Reports"),
    "skills": _("Skills"),
    "notifications": _("Notifications"),
    "context": _("Personal context"),
    "telegram": _("Telegram"),
    "export": _("Export my data"),
    "delete": _("Delete my account"),
    "switch": _("Switch account"),
}


@login_required
def dashboard(request):
    return render(request, "dashboard.html", {"summary": dashboard_summary(request.user)})


@login_required
def coming_soon(request, section, **kwargs):
    """A section whose feature has not been built yet says so plainly."""
    title = SECTION_TITLES.get(section, section)
    return render(request, "coming_soon.html", {"title": title, "section": section})


@never_cache
def healthz(request):
    """JSON: database, cache and broker; 200 when all are reachable, else 503."""
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)
