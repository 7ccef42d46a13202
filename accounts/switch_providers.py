"""Adding an account to the switcher through its OAuth / OpenID Connect provider, for
accounts that have no password. The switch page starts the provider's sign-in with a
marker in the session; when the provider answers, `complete` (called from the social
account adapter, before allauth would replace the signed-in account) adds the account
like a password sign-in does — with its second factor when it has one.

The account is the one that already uses this sign-in (its social account), or the one
whose address, verified here, the provider vouches for — never one that merely claims the
address: someone who signed up with another's address and kept the password would
otherwise be handed the account its owner then uses (a pre-hijack). allauth's own flow
wipes such an account's password; the switcher refuses to add it instead.
"""

import time

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import switching

PENDING_KEY = "switch_provider_pending"
PENDING_SECONDS = 600


def providers(request) -> list:
    """The providers this instance offers (environment or admin), for the switch page."""
    return get_adapter().list_providers(request)


def start(request, provider_id: str):
    """The redirect to the provider, remembering that its answer adds an account here."""
    try:
        provider = get_adapter().get_provider(request, provider_id)
    except Exception as error:  # an unknown or unconfigured provider: allauth raises
        raise Http404 from error
    request.session[PENDING_KEY] = {"by": str(request.user.pk), "at": time.time()}
    return provider.redirect(request, process=AuthProcess.LOGIN,
                             next_url=reverse("switch:index"))


def _pending(request) -> bool:
    pending = request.session.pop(PENDING_KEY, None) or {}
    return (
        request.user.is_authenticated
        and pending.get("by") == str(request.user.pk)
        and time.time() - pending.get("at", 0) <= PENDING_SECONDS
    )


def _done(request, level, message, to="switch:index"):
    messages.add_message(request, level, message)
    raise ImmediateHttpResponse(redirect(to))


def _matched_safely(sociallogin) -> bool:
    """Found through its own social account, or through an address verified both by the
    provider and on the account here."""
    if sociallogin.account.pk is not None:  # allauth found this provider's account
        return True
    vouched = {address.email.lower() for address in sociallogin.email_addresses
               if address.verified}
    verified_here = EmailAddress.objects.filter(user=sociallogin.user, verified=True)
    return any(address.lower() in vouched
               for address in verified_here.values_list("email", flat=True))


def complete(request, sociallogin) -> None:
    """Called when a provider sign-in finishes. Does nothing unless the switch page
    started it; otherwise adds the account (or says why not) and ends the flow."""
    if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
        return  # connecting a provider to this account is allauth's own flow
    if not _pending(request):
        return
    target = sociallogin.user if sociallogin.is_existing else None
    if target is None or not target.is_active:
        _done(request, messages.ERROR,
              _("No account here uses that sign-in. Create the account first, then add it."))
    if not _matched_safely(sociallogin):
        _done(request, messages.ERROR,
              _("The account here with that address has not verified it, so it cannot be "
                "added through the provider. Sign in to it with its password instead."))
    if target.pk == request.user.pk:
        _done(request, messages.INFO, _("That is the account you are signed in as."))
    if switching.is_full(request) and str(target.pk) not in switching.remembered(request):
        _done(request, messages.ERROR,
              _("A browser can hold at most %(count)d accounts. Sign one out first.")
              % {"count": switching.MAX_ACCOUNTS})
    if is_mfa_enabled(target):
        request.session[switching.PENDING_KEY] = {
            "user": str(target.pk), "hash": target.get_session_auth_hash(), "at": time.time(),
        }
        raise ImmediateHttpResponse(redirect("switch:verify"))
    switching.add(request, target)
    _done(request, messages.SUCCESS,
          _("%(email)s is added. You are now signed in as it.") % {"email": target.email},
          to="dashboard")
