"""A session's "last seen" is recorded at most once a minute, a new address or browser at once."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user, password):
    cache.clear()
    client.post("/accounts/login/", {"login": user.email, "password": password},
                REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Laptop")
    UserSession.objects.filter(user=user).update(last_seen_at=timezone.now() - timedelta(hours=1))
    return client


def _last_seen(user):
    return UserSession.objects.get(user=user).last_seen_at


def test_the_first_request_records_activity_and_the_next_ones_within_a_minute_do_not(
        signed_in, user):
    signed_in.get("/memory/", REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Laptop")
    seen = _last_seen(user)
    assert timezone.now() - seen < timedelta(minutes=1)
    with CaptureQueriesContext(connection) as queries:
        signed_in.get("/memory/", REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Laptop")
    assert _last_seen(user) == seen
    assert not any("usersession" in query["sql"] for query in queries.captured_queries)


def test_a_new_address_or_browser_is_recorded_at_once(signed_in, user):
    signed_in.get("/memory/", REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Laptop")
    signed_in.get("/memory/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Laptop")
    assert UserSession.objects.get(user=user).ip == "203.0.113.7"
    signed_in.get("/memory/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Phone")
    assert UserSession.objects.get(user=user).user_agent == "Phone"


def test_after_a_minute_activity_is_recorded_again(signed_in, user):
    signed_in.get("/memory/", REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Laptop")
    UserSession.objects.filter(user=user).update(last_seen_at=timezone.now() - timedelta(hours=1))
    cache.clear()  # the minute has passed
    signed_in.get("/memory/", REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Laptop")
    assert timezone.now() - _last_seen(user) < timedelta(minutes=1)
