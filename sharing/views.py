"""The owner's side of sharing: make a link, see its openings, revoke it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import links, qr
from .forms import ShareForm
from .models import ShareLink, ShareOpening

OPENINGS_SHOWN = 20


def _owned_links(user):
    return (ShareLink.objects.for_user(user)
            .annotate(opening_count=Count("openings"))
            .prefetch_related("documents", Prefetch(
                "openings", queryset=ShareOpening.objects.order_by("-created"))))


@login_required
def index(request):
    form = ShareForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        link, token = links.create(
            request.user, duration=data["duration"], label=data["label"],
            summary=data["summary"], medications=data["medications"],
            conditions=data["conditions"], labs=data["labs"],
            document_ids=[document.pk for document in data["documents"]],
            passcode=data["passcode"])
        # The token exists in clear only in this answer: only its hash is kept.
        address = request.build_absolute_uri(reverse("shared:page", args=[token]))
        return render(request, "sharing/created.html", {
            "link": link, "address": address, "qr": qr.svg(address)})
    now = timezone.now()
    shown = list(_owned_links(request.user))
    for link in shown:
        link.current_state = link.state(now)
        link.recent_openings = list(link.openings.all())[:OPENINGS_SHOWN]
    return render(request, "sharing/index.html", {
        "form": form, "links": shown, "openings_shown": OPENINGS_SHOWN,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke(request, pk):
    link = get_object_or_404(ShareLink.objects.for_user(request.user), pk=pk)
    links.revoke(link)
    messages.success(request, _("The link is revoked: it no longer opens."))
    return redirect("sharing:index")
