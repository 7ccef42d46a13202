"""Fresh proof for an account without a password before it is erased: a new sign-in
through a provider the account already uses (issue 22: a session left open on a shared
computer must not be enough to erase an account for good).

allauth's reauthentication offers a password or a second factor, and treats an account
with neither as recently authenticated; this fills that gap the way the switcher adds an
account through its provider (switch_providers.py): the delete page starts the provider's
sign-in with a marker in the session, and `complete` (called from the social account
adapter before allauth would sign anyone in) records the proof when the provider answers
for this very account, through its own social account.
"""

import time

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

PENDING_KEY = "erase_proof_pending"
PROVEN_KEY = "erase_proof"
PENDING_SECONDS = 600
FRESH_SECONDS = 300  # the proof holds this long


def providers(request) -> list:
    """The configured providers this account signs in with."""
    own = set(SocialAccount.objects.filter(user=request.user).values_list("provider", flat=True))
    return [provider for provider in get_adapter().list_providers(request)
            if provider.sub_id in own]


def start(request, provider_id: str):
    """The redirect to the provider, remembering that its answer proves this account."""
    if provider_id not in {provider.sub_id for provider in providers(request)}:
        raise Http404
    provider = get_adapter().get_provider(request, provider_id)
    request.session[PENDING_KEY] = {"by": str(request.user.pk), "at": time.time()}
    return provider.redirect(request, process=AuthProcess.LOGIN,
                             next_url=reverse("settings:delete"))


def is_fresh(request) -> bool:
    proof = request.session.get(PROVEN_KEY) or {}
    return (request.user.is_authenticated and proof.get("by") == str(request.user.pk)
            and time.time() - proof.get("at", 0) <= FRESH_SECONDS)


def forget(request) -> None:
    request.session.pop(PROVEN_KEY, None)


def complete(request, sociallogin) -> None:
    """Called when a provider sign-in finishes. Does nothing unless the delete page started
    it; otherwise records the proof (or says why not) and returns to the delete page."""
    pending = request.session.pop(PENDING_KEY, None)
    if not pending or sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
        return
    if not (request.user.is_authenticated and pending.get("by") == str(request.user.pk)
            and time.time() - pending.get("at", 0) <= PENDING_SECONDS):
        return
    # Only this account's own social account proves it — not a match by address.
    if sociallogin.account.pk is not None and sociallogin.user.pk == request.user.pk:
        request.session[PROVEN_KEY] = {"by": str(request.user.pk), "at": time.time()}
    else:
        messages.error(request, _("That sign-in is not one of this account's. Nothing was "
                                  "confirmed."))
    raise ImmediateHttpResponse(redirect("settings:delete"))
