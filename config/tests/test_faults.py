"""Faults, each survived: Redis down, SMTP down, the Bot API down, PostgreSQL restarted.
(The model API failing in every way is covered by chats/tests/test_streaming.py.)"""

import os
import socket
import subprocess
import urllib.request
from datetime import timedelta

import pytest
from channels.testing import WebsocketCommunicator
from constance.test.pytest import override_config
from django.db import connection, connections
from django.utils import timezone

from notifications import delivery, live
from notifications.models import Notification


def dead_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{dead_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {"default": {
        "BACKEND": "config.cache.ResilientRedisCache", "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [url]},
    }}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield url
    channel_layers.backends.clear()


# --- Redis down ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_down_pages_are_served_and_sign_in_works(client, user, password, redis_down):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302  # the rate limiter's cache is down, not the sign-in
    client.logout()
    # The rate limits still hold (in this process's memory meanwhile).
    for _ in range(5):
        client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert "Too many failed login attempts" in response.content.decode()
    client.force_login(user)
    for url in ["/", "/notifications/", "/settings/export/"]:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_with_redis_down_notifications_are_still_delivered_and_read(client, user, redis_down):
    n = Notification.objects.create(user=user, title="Pills", scheduled_at=timezone.now())
    assert delivery.deliver_due() == 1  # the live announce fails quietly, the row is sent
    n.refresh_from_db()
    assert n.status == Notification.Status.SENT
    live.announce(user.pk)  # no exception
    client.force_login(user)
    response = client.post(f"/notifications/{n.pk}/read/")
    assert response.status_code in (200, 204, 302)
    n.refresh_from_db()
    assert n.status == Notification.Status.READ


@pytest.mark.django_db(transaction=True)
async def test_with_redis_down_the_bell_says_live_updates_are_paused(make_user, redis_down):
    from notifications.consumers import PAUSED, NotificationConsumer

    owner = await make_user_async(make_user, "ru@example.com", language="ru")
    await Notification.objects.acreate(user=owner, title="Unread", status="sent",
                                       sent_at=timezone.now())
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope["user"] = owner
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    state = await communicator.receive_json_from(timeout=5)
    assert state["unread"] == 1  # the state still arrives once
    assert "Обновления в реальном времени приостановлены" in state["paused"]
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": PAUSED}


async def make_user_async(make_user, email, **fields):
    from asgiref.sync import sync_to_async

    return await sync_to_async(make_user)(email, **fields)


# --- SMTP and the Bot API down --------------------------------------------------------------


@pytest.mark.django_db
def test_with_the_bot_api_down_telegram_is_retried_then_failed_with_the_reason(
    make_user, settings
):
    settings.TELEGRAM_API_URL = f"http://127.0.0.1:{dead_port()}"
    owner = make_user("tg@example.com", telegram_chat_id=4242)
    n = Notification.objects.create(user=owner, title="Pills", channel="telegram")
    now = timezone.now()
    with override_config(telegram_bot_token="123456:TEST-token"):
        delivery.deliver_due(now)
        n.refresh_from_db()
        assert n.status == "pending" and n.attempts == 1 and "NetworkError" in n.error
        delivery.deliver_due(now + timedelta(minutes=2))
        delivery.deliver_due(now + timedelta(minutes=10))
    n.refresh_from_db()
    assert n.status == "failed" and n.attempts == delivery.MAX_ATTEMPTS
    assert "NetworkError" in n.error


@pytest.mark.django_db
def test_with_smtp_down_email_is_retried_then_failed_with_the_reason(user):
    n = Notification.objects.create(user=user, title="Pills", channel="email")
    now = timezone.now()
    with override_config(smtp_url=f"smtp://127.0.0.1:{dead_port()}"):
        for minutes in (0, 2, 10):
            delivery.deliver_due(now + timedelta(minutes=minutes))
    n.refresh_from_db()
    assert n.status == "failed" and n.attempts == delivery.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in n.error


# --- PostgreSQL restarted under a running server -------------------------------------------

PG = {name: os.environ.get(f"TEST_PG_{name}", "") for name in ("CTL", "DATA", "OPTS", "LOG", "USER")}


def pg_ctl(*args, check=True):
    command = [PG["CTL"], "-D", PG["DATA"], *args]
    if PG["USER"]:
        command = ["runuser", "-u", PG["USER"], "--", *command]
    return subprocess.run(command, check=check, capture_output=True, timeout=60)


def get(url) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def forget_dead_connections():
    """This test process's own connections died too: the main thread's and the one of
    asgiref's thread for thread-sensitive calls (async tests after this one use it)."""
    from asgiref.sync import SyncToAsync

    connections.close_all()
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.mark.postgres_only
@pytest.mark.exclusive  # every other test's connection dies too: run alone (scripts/test.sh)
def test_after_a_postgresql_restart_requests_recover_without_a_process_restart(live, user):
    """The web server (daphne) and this process, which stands for the worker: django-q2
    calls close_old_connections() before each job, as Django does before each request."""
    from django.db import close_old_connections

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL restart needs PostgreSQL (the production suite)")
    if not (PG["CTL"] and PG["DATA"]):
        pytest.skip("TEST_PG_CTL/TEST_PG_DATA not set: scripts/test.sh sets them when it "
                    "starts the throwaway PostgreSQL (not with TEST_DATABASE_URL)")
    login = f"{live.url}/accounts/login/"
    assert get(f"{live.url}/healthz") == 200 and get(login) == 200
    assert Notification.objects.count() == 0  # this process's connection is open
    try:
        # Restarted with no request in between: every open connection is now dead.
        pg_ctl("restart", "-m", "fast", "-w", "-l", PG["LOG"], "-o", PG["OPTS"])
        # The worker's next job: its persistent connection is checked and replaced.
        close_old_connections()
        assert Notification.objects.filter(user=user).count() == 0
        # The web server's first requests after the restart succeed.
        assert get(f"{live.url}/healthz") == 200
        assert get(login) == 200
        # While the server is down, requests fail cleanly (a 503, no hang); then recover.
        pg_ctl("stop", "-m", "fast", "-w")
        assert get(f"{live.url}/healthz") == 503
    finally:
        if pg_ctl("status", check=False).returncode != 0:  # stopped: start it again
            pg_ctl("start", "-w", "-l", PG["LOG"], "-o", PG["OPTS"])
        forget_dead_connections()
    assert get(f"{live.url}/healthz") == 200
    assert get(login) == 200


@pytest.mark.django_db
def test_with_the_broker_down_an_export_request_still_answers(signed_in_client, user, settings,
                                                              monkeypatch):
    from accounts import export
    from accounts.models import DataExport

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis. Connection refused.")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)
    response = signed_in_client.post("/settings/export/", {"mode": "job"})
    assert response.status_code == 302
    job = DataExport.objects.get(user=user)
    assert job.status == DataExport.Status.PENDING  # the sweeper queues it again later
    monkeypatch.undo()
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **kw: queued.append(a))
    DataExport.objects.filter(pk=job.pk).update(
        created=timezone.now() - export.stale_after() - timedelta(seconds=1))
    assert export.sweep_stale()["retried"] == 1 and queued
