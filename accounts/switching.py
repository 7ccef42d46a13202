"""Several signed-in accounts in one browser: the list lives in the session, switching
signs in again server-side (a fresh session key, nothing of the previous account kept).

Each remembered account is stored with its session auth hash at the time it signed in, so
a password change elsewhere drops it from the list: it must sign in again.
"""

from django.contrib import auth
from django.utils.crypto import constant_time_compare

from .models import User

SESSION_KEY = "switch_accounts"
PENDING_KEY = "switch_pending"
MAX_ACCOUNTS = 5
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _stored(request) -> dict[str, str]:
    stored = request.session.get(SESSION_KEY)
    return dict(stored) if isinstance(stored, dict) else {}


def remembered(request) -> dict[str, str]:
    """user id → session auth hash of every account this browser holds, the active one included."""
    stored = _stored(request)
    user = request.user
    if user.is_authenticated:
        stored[str(user.pk)] = user.get_session_auth_hash()
    return stored


def accounts(request) -> list[User]:
    """The accounts this browser may switch to, still valid, active first then by email."""
    stored = remembered(request)
    if not stored:
        return []
    users = User.objects.filter(pk__in=list(stored), is_active=True)
    valid = [
        u for u in users if constant_time_compare(u.get_session_auth_hash(), stored[str(u.pk)])
    ]
    active_id = request.user.pk if request.user.is_authenticated else None
    return sorted(valid, key=lambda u: (u.pk != active_id, u.email))


def other_accounts(request) -> list[User]:
    # Most browsers hold one account: no query on every page for them.
    if not set(_stored(request)) - {str(request.user.pk)}:
        return []
    return [u for u in accounts(request) if u.pk != request.user.pk]


def is_full(request) -> bool:
    return len(remembered(request)) >= MAX_ACCOUNTS


def _sign_in(request, target: User, keep: dict[str, str]) -> None:
    """Sign `target` in; Django flushes the session when the user changes, so the
    previous account's session data is gone and the key is new; then restore the list."""
    auth.login(request, target, backend=BACKEND)
    keep[str(target.pk)] = target.get_session_auth_hash()
    request.session[SESSION_KEY] = keep


def add(request, user: User) -> None:
    """A newly, fully authenticated account joins this browser and becomes the active one."""
    keep = remembered(request)
    if str(user.pk) not in keep and len(keep) >= MAX_ACCOUNTS:
        raise ValueError("this browser already holds the maximum of accounts")
    request.session.pop(PENDING_KEY, None)
    _sign_in(request, user, keep)


def switch(request, user_id) -> User | None:
    """Make a remembered account active; None when it is not one this browser may use."""
    target = next((u for u in accounts(request) if str(u.pk) == str(user_id)), None)
    if target is None:
        return None
    keep = {str(u.pk): u.get_session_auth_hash() for u in accounts(request)}
    if target.pk == request.user.pk:
        request.session.cycle_key()
        return target
    _sign_in(request, target, keep)
    return target


def sign_out(request, user_id) -> User | None:
    """Forget one account. Signing out the active one switches to another, if any.

    Returns the account now active, or None when nobody is left (fully signed out).
    """
    remaining = [u for u in accounts(request) if str(u.pk) != str(user_id)]
    keep = {str(u.pk): u.get_session_auth_hash() for u in remaining}
    if request.user.is_authenticated and str(request.user.pk) != str(user_id):
        request.session[SESSION_KEY] = keep
        return request.user
    if not remaining:
        auth.logout(request)
        return None
    _sign_in(request, remaining[0], keep)
    return remaining[0]


def sign_out_all(request) -> None:
    auth.logout(request)
