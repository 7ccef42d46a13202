"""Fixtures of the notifications tests: a real SMTP server and a fake Bot API."""


import pytest
from constance.test.pytest import override_config


@pytest.fixture(scope="session")
def smtp_server_session():
    from tests.fakes.smtp_server import FakeSMTPServer

    server = FakeSMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_server_session):
    """Mail goes to the local aiosmtpd server through the runtime SMTP setting."""
    smtp_server_session.reset()
    with override_config(smtp_url=smtp_server_session.url, smtp_from_email="bot@anamnesis.test"):
        yield smtp_server_session


@pytest.fixture(scope="session")
def telegram_server_session():
    from tests.fakes.telegram_server import FakeTelegramServer

    server = FakeTelegramServer().start()
    yield server
    server.stop()


@pytest.fixture
def telegram_server(telegram_server_session, settings):
    """python-telegram-bot pointed at the local Bot API, with its token configured."""
    telegram_server_session.reset()
    settings.TELEGRAM_API_URL = telegram_server_session.url
    with override_config(telegram_bot_token=telegram_server_session.token):
        yield telegram_server_session
    # Every message of the bot, whatever the path, goes out with link previews off.
    assert telegram_server_session.with_previews() == []


@pytest.fixture
def notify(user):
    """Makes a notification of `user` (or another owner) with sensible defaults."""
    from django.utils import timezone

    from notifications.models import Notification

    def make(owner=None, **fields):
        fields.setdefault("title", "Take bisoprolol")
        fields.setdefault("scheduled_at", timezone.now())
        return Notification.objects.create(user=owner or user, **fields)

    return make



@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new channel layer for each test: each async test runs its own event loop, and a
    Redis layer kept from an earlier test holds receive state bound to a closed one."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(scope="session")
def push_service_session():
    from tests.fakes.push_service import FakePushService

    service = FakePushService().start()
    yield service
    service.stop()


@pytest.fixture
def push_service(push_service_session, settings, tmp_path):
    """The local push service; its endpoints are plain HTTP on 127.0.0.1, which only this
    host of the tests may be (WEB_PUSH_TEST_HOSTS). The VAPID key is made afresh in this
    test's DATA_DIR, and the contact is a real-looking address."""
    from notifications import vapid

    push_service_session.reset()
    settings.WEB_PUSH_TEST_HOSTS = [f"{push_service_session.host}:{push_service_session.port}"]
    settings.VAPID_SUBJECT = "mailto:ops@anamnesis.test"
    settings.DATA_DIR = tmp_path
    vapid._load.cache_clear()
    yield push_service_session
    vapid._load.cache_clear()


@pytest.fixture
def browser_keys():
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    private = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"private": private, "auth": auth, "p256dh": b64(public), "auth_b64": b64(auth)}
