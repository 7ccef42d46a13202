"""The sessions page's per-device sign-out: one session of the account ended (allauth lists
the sessions and signs out all the others; this signs out the one you choose).

A session is named in its URL by a digest of its key: allauth's row ids are sequential,
and the key itself must never appear in a page."""

import hashlib

from allauth.usersessions.adapter import get_adapter
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST


def public_id(session: UserSession) -> str:
    return hashlib.sha256(f"usersession:{session.session_key}".encode()).hexdigest()[:32]


@login_required
@require_POST
def end_session(request, key):
    mine = UserSession.objects.filter(user=request.user)
    session = next((session for session in mine if public_id(session) == key), None)
    if session is None:
        raise Http404
    if session.session_key == request.session.session_key:
        return redirect("account_logout")  # this device: the ordinary sign-out page
    get_adapter().end_sessions([session])  # its session is deleted: the next request,
    # and any WebSocket it holds (accounts/socket_sessions.py), finds it signed out
    messages.success(request, _("That device is signed out."))
    return redirect("usersessions_list")
