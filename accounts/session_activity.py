"""The sessions page's "last seen": allauth's activity tracking, at most once a minute.

allauth's UserSessionsMiddleware updates the session's row on every request (a
transaction with two reads and a write: ~2–3 ms of CPU and a write lock on SQLite for each
page). The page shows "last seen 3 minutes ago", so a minute's precision is enough. A new
address or browser is still recorded at once: they are part of the key.
"""

import hashlib

from allauth.usersessions import app_settings
from allauth.usersessions.models import UserSession
from django.core.cache import cache

from . import proxies

EVERY_SECONDS = 60


def _key(request) -> str:
    client = "|".join((request.session.session_key, proxies.client_ip(request) or "",
                       request.META.get("HTTP_USER_AGENT", "")))
    return "session-seen:" + hashlib.sha256(client.encode()).hexdigest()


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (app_settings.TRACK_ACTIVITY and hasattr(request, "session")
                and request.session.session_key and request.user.is_authenticated
                and cache.add(_key(request), 1, EVERY_SECONDS)):
            UserSession.objects.create_from_request(request)
        return self.get_response(request)
