"""Several signed-in accounts in one browser. The session lists them, each with the key
of a `SwitchGrant` row; switching signs in again server-side (Django flushes the session:
a new key, nothing of the previous account kept).

A grant is valid while its row exists, the account is active and its password unchanged
(the row keeps the session auth hash of the sign-in). The account itself can revoke it
from its sessions page; signing it out here deletes it.
"""

import secrets

from allauth.account.adapter import get_adapter
from django.contrib import auth
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import SwitchGrant, User

SESSION_KEY = "switch_accounts"  # user id → grant key
PENDING_KEY = "switch_pending"
MAX_ACCOUNTS = 5
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _stored(request) -> dict[str, str]:
    stored = request.session.get(SESSION_KEY)
    return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}


def _valid_grants(request) -> dict[str, SwitchGrant]:
    """user id → grant, for the stored grants that still hold."""
    stored = _stored(request)
    if not stored:
        return {}
    grants = SwitchGrant.objects.filter(key__in=list(stored.values())).select_related("user")
    return {
        str(g.user_id): g for g in grants
        if stored.get(str(g.user_id)) == g.key and g.user.is_active
        and constant_time_compare(g.user.get_session_auth_hash(), g.auth_hash)
    }


def remembered(request) -> set[str]:
    """Ids of every account this browser holds, the active one included."""
    ids = set(_valid_grants(request))
    if request.user.is_authenticated:
        ids.add(str(request.user.pk))
    return ids


def accounts(request) -> list[User]:
    """The accounts this browser may switch to, active first, then by email."""
    users = [g.user for g in _valid_grants(request).values()]
    active = request.user if request.user.is_authenticated else None
    if active is not None and all(u.pk != active.pk for u in users):
        users.append(active)
    return sorted(users, key=lambda u: (active is None or u.pk != active.pk, u.email))


def other_accounts(request) -> list[User]:
    # Most browsers hold one account: no query on every page for them.
    if not set(_stored(request)) - {str(request.user.pk)}:
        return []
    return [u for u in accounts(request) if u.pk != request.user.pk]


def is_full(request) -> bool:
    return len(remembered(request)) >= MAX_ACCOUNTS


def _grant(request, user: User, grants: dict[str, SwitchGrant]) -> str:
    """The grant key of `user` in this browser, created when it has none yet."""
    existing = grants.get(str(user.pk))
    if existing is not None:
        return existing.key
    grant = SwitchGrant.objects.create(
        user=user, key=secrets.token_urlsafe(32), auth_hash=user.get_session_auth_hash(),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        ip=get_adapter().get_client_ip(request),
    )
    return grant.key


def _keys(request, users: list[User]) -> dict[str, str]:
    grants = _valid_grants(request)
    return {str(u.pk): _grant(request, u, grants) for u in users}


def _sign_in(request, target: User, keep: dict[str, str]) -> None:
    auth.login(request, target, backend=BACKEND)
    request.session[SESSION_KEY] = keep
    SwitchGrant.objects.filter(key=keep[str(target.pk)]).update(last_used=timezone.now())


def add(request, user: User) -> None:
    """A newly, fully authenticated account joins this browser and becomes the active one."""
    held = accounts(request)
    if all(u.pk != user.pk for u in held) and len(held) >= MAX_ACCOUNTS:
        raise ValueError("this browser already holds the maximum of accounts")
    request.session.pop(PENDING_KEY, None)
    keep = _keys(request, [u for u in held if u.pk != user.pk])
    # A fresh grant for the account that just proved itself.
    SwitchGrant.objects.filter(user=user, key=_stored(request).get(str(user.pk), "")).delete()
    keep[str(user.pk)] = _grant(request, user, {})
    _sign_in(request, user, keep)


def switch(request, user_id) -> User | None:
    """Make a remembered account active; None when it is not one this browser may use."""
    held = accounts(request)
    target = next((u for u in held if str(u.pk) == str(user_id)), None)
    if target is None:
        return None
    if target.pk == request.user.pk:
        request.session.cycle_key()
        return target
    _sign_in(request, target, _keys(request, held))
    return target


def sign_out(request, user_id) -> User | None:
    """Forget one account here. Signing out the active one switches to another, if any.

    Returns the account now active, or None when nobody is left (fully signed out).
    """
    key = _stored(request).get(str(user_id))
    if key:
        SwitchGrant.objects.filter(key=key).delete()
    remaining = [u for u in accounts(request) if str(u.pk) != str(user_id)]
    if request.user.is_authenticated and str(request.user.pk) != str(user_id):
        request.session[SESSION_KEY] = {
            uid: k for uid, k in _stored(request).items() if uid != str(user_id)
        }
        return request.user
    if not remaining:
        auth.logout(request)
        return None
    _sign_in(request, remaining[0], _keys(request, remaining))
    return remaining[0]


def forget_browser(request) -> None:
    """On a full sign-out, the grants this browser held go with it."""
    keys = list(_stored(request).values())
    if keys:
        SwitchGrant.objects.filter(key__in=keys).delete()


def sign_out_all(request) -> None:
    auth.logout(request)  # the user_logged_out receiver forgets the grants
