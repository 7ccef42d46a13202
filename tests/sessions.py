"""A real signed-in session for WebSocket tests: the socket checks it while it is open
(accounts/socket_sessions.py), as the auth middleware's scope would carry it."""

from django.test import Client


def signed_in_session(user):
    """The session store of a fresh sign-in of `user` (sync: wrap it in async tests)."""
    client = Client()
    client.force_login(user)
    return client.session
