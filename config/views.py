"""Pages that belong to the whole app: the dashboard, health check."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from . import health
from .dashboard import dashboard_summary


@login_required
def dashboard(request):
    return render(request, "dashboard.html", {"summary": dashboard_summary(request.user)})


@never_cache
def healthz(request):
    """JSON: database, cache and broker; 200 when all are reachable, else 503."""
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)
