"""`/ws/notifications/`: unread ones on connect, live changes, only the owner's, and a
delivery made by another process (the worker) reaching the open socket."""

import asyncio
import os
import subprocess
import sys

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connection, connections
from django.utils import timezone

from config.asgi import application
from notifications import delivery, reminders
from notifications.consumers import NotificationConsumer
from notifications.models import Notification
from tests.sessions import signed_in_session

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user):
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope["user"] = user
    communicator.scope["session"] = await sync_to_async(signed_in_session)(user)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def test_unread_notifications_are_sent_on_connect(user, other_user):
    await Notification.objects.acreate(user=user, title="Mine", status="sent",
                                       sent_at=timezone.now())
    await Notification.objects.acreate(user=user, title="Not yet due")
    await Notification.objects.acreate(user=other_user, title="Bob's", status="sent",
                                       sent_at=timezone.now())
    communicator = await _connect(user)
    state = await communicator.receive_json_from(timeout=5)
    assert state["unread"] == 1
    assert [n["title"] for n in state["notifications"]] == ["Mine"]
    await _close(communicator)


async def test_delivery_and_reading_update_the_open_socket_live(user):
    communicator = await _connect(user)
    assert (await communicator.receive_json_from(timeout=5))["unread"] == 0
    n = await Notification.objects.acreate(user=user, title="Vitamin D")
    await sync_to_async(delivery.deliver_due)()
    state = await communicator.receive_json_from(timeout=5)
    assert state["unread"] == 1 and state["notifications"][0]["title"] == "Vitamin D"
    await n.arefresh_from_db()
    await sync_to_async(reminders.mark_read)(n)
    assert (await communicator.receive_json_from(timeout=5))["unread"] == 0
    await _close(communicator)


async def test_other_users_deliveries_never_reach_my_socket(user, other_user):
    communicator = await _connect(user)
    await communicator.receive_json_from(timeout=5)
    await Notification.objects.acreate(user=other_user, title="Bob's pills")
    await sync_to_async(delivery.deliver_due)()
    assert await communicator.receive_nothing(timeout=2.5)
    await _close(communicator)


async def test_anonymous_socket_is_refused():
    communicator = WebsocketCommunicator(application, "/ws/notifications/",
                                         headers=[(b"origin", b"http://testserver"),
                                                  (b"host", b"testserver")])
    connected, code = await communicator.connect(timeout=5)
    assert not connected or code == 4401
    await _close(communicator)


async def _close(communicator):
    await communicator.disconnect()
    layer = get_channel_layer()
    if hasattr(layer, "close_pools"):  # Redis: no connection outlives the test's loop
        await layer.close_pools()
    # The consumer's queries ran in asgiref's sync thread: close its connection too, or
    # PostgreSQL refuses to drop the test database at the end.
    await database_sync_to_async(connections.close_all)()


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}"
            f"/{db['NAME']}")


async def test_reminder_delivered_by_a_separate_worker_process_shows_up_live(user, settings):
    """The embedded mode: the worker is its own process and there is no Redis between it
    and the web process (each has its own in-memory layer), yet the open socket must learn
    of the delivery. (With Redis, the browser test covers the same path across processes.)"""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    communicator = await _connect(user)
    assert (await communicator.receive_json_from(timeout=5))["unread"] == 0
    await Notification.objects.acreate(user=user, title="From the worker")
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DATABASE_URL=_database_url(), DJANGO_SETTINGS_MODULE="config.settings")
    code = ("import django; django.setup(); from notifications.delivery import deliver_due; "
            "print(deliver_due())")
    worker = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=60,
    )
    assert worker.stdout.strip().splitlines()[-1] == "1", worker.stderr
    state = await communicator.receive_json_from(timeout=10)
    assert state["unread"] == 1 and state["notifications"][0]["title"] == "From the worker"
    await _close(communicator)
