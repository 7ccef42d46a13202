"""The account switcher: list, add by signing in, switch, sign one out or all."""

import time

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import switch_providers, switching
from .forms import AddAccountForm, SecondFactorForm
from .models import SwitchGrant, User

PENDING_SECONDS = 300


@login_required
def index(request):
    """GET lists the accounts of this browser; POST `account` switches to one of them."""
    if request.method == "POST":
        target = switching.switch(request, request.POST.get("account", ""))
        if target is None:
            messages.error(request, _("That account is not signed in on this browser."))
            return redirect("switch:index")
        messages.success(
            request, _("You are now signed in as %(email)s.") % {"email": target.email}
        )
        return redirect("dashboard")
    return _render_index(request, AddAccountForm(request=request))


def _render_index(request, form, status=200):
    context = {
        "accounts": switching.accounts(request),
        "form": form,
        "is_full": switching.is_full(request),
        "max_accounts": switching.MAX_ACCOUNTS,
        "providers": switch_providers.providers(request),
    }
    return render(request, "accounts/switch.html", context, status=status)


@login_required
@require_POST
def add(request):
    """Sign in another account with its email and password (then its second factor)."""
    if switching.is_full(request):
        return _full(request)
    form = AddAccountForm(request.POST, request=request)
    if not form.is_valid():
        return _render_index(request, form, status=400)
    user = form.user
    if is_mfa_enabled(user):
        request.session[switching.PENDING_KEY] = {
            "user": str(user.pk), "hash": user.get_session_auth_hash(), "at": time.time(),
        }
        return redirect("switch:verify")
    switching.add(request, user)
    _added(request, user)
    return redirect("dashboard")


@login_required
@require_POST
def add_with_provider(request):
    """Add an account by signing in to it with its provider (accounts without a password)."""
    if switching.is_full(request):
        return _full(request)
    return switch_providers.start(request, request.POST.get("provider", ""))


def _full(request):
    messages.error(
        request,
        _("A browser can hold at most %(count)d accounts. Sign one out first.")
        % {"count": switching.MAX_ACCOUNTS},
    )
    return redirect("switch:index")


def _pending_user(request) -> User | None:
    pending = request.session.get(switching.PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        return None
    return user


@login_required
def verify(request):
    """The second step of adding an account that has two-factor authentication."""
    user = _pending_user(request)
    if user is None:
        request.session.pop(switching.PENDING_KEY, None)
        messages.error(request, _("Please sign in to the account again."))
        return redirect("switch:index")
    form = SecondFactorForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            if switching.is_full(request) and str(user.pk) not in switching.remembered(request):
                return _full(request)
            switching.add(request, user)
            _added(request, user)
            return redirect("dashboard")
        status = 400
    else:
        status = 200
    context = {"form": form, "pending": user}
    return render(request, "accounts/switch_verify.html", context, status=status)


def _added(request, user):
    messages.success(
        request, _("%(email)s is added. You are now signed in as it.") % {"email": user.email}
    )


@login_required
@require_POST
def sign_out(request):
    """Forget one account on this browser (the active one or another)."""
    account = request.POST.get("account", "")
    leaving = next((u for u in switching.accounts(request) if str(u.pk) == account), None)
    now_active = switching.sign_out(request, account)
    if now_active is None:
        return redirect("account_login")
    if leaving is not None:
        messages.success(request, _("%(email)s is signed out.") % {"email": leaving.email})
    return redirect("switch:index")


@login_required
@require_POST
def sign_out_all(request):
    switching.sign_out_all(request)
    return redirect("account_login")


@login_required
@require_POST
def revoke(request, pk):
    """From the account's own sessions page: take it out of another browser's switcher."""
    grant = get_object_or_404(SwitchGrant.objects.for_user(request.user), pk=pk)
    grant.delete()
    messages.success(request, _("That browser can no longer switch to your account."))
    return redirect("usersessions_list")
