"""The bot token appears in no log line: the real python-telegram-bot and httpx, every
logger at DEBUG, through the handlers the settings configure (with their filter)."""

import io
import logging

import pytest
from constance.test.pytest import override_config

from accounts.runtime_secrets import encrypt
from notifications import delivery
from notifications.models import Notification

from .test_bot import CHAT, _run_bot

TOKEN = "7000001234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x"  # the shape of a real one


@pytest.fixture
def real_shaped_bot(settings):
    from tests.fakes.telegram_server import FakeTelegramServer

    server = FakeTelegramServer(token=TOKEN).start()
    settings.TELEGRAM_API_URL = server.url
    with override_config(telegram_bot_token=encrypt(TOKEN)):
        yield server
    server.stop()


@pytest.fixture
def everything_logged():
    """The console handler of the settings' LOGGING writes here; every logger at DEBUG."""
    root = logging.getLogger()
    [handler] = [h for h in root.handlers
                 if any(type(f).__name__ == "RedactSecrets" for f in h.filters)]
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    names = ["", "httpx", "httpcore", "telegram", "telegram.ext", "notifications",
             "telegram_bot"]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    handler.setStream(old_stream)


@pytest.mark.django_db(transaction=True)
async def test_the_bot_token_is_in_no_log_line_while_sending_and_polling(
    make_user, real_shaped_bot, everything_logged
):
    from asgiref.sync import sync_to_async

    owner = await sync_to_async(make_user)("tg@example.com", telegram_chat_id=CHAT)
    await Notification.objects.acreate(user=owner, title="Pills", channel="telegram")
    assert await sync_to_async(delivery.deliver_due)() == 1
    real_shaped_bot.send_text(CHAT, "/help")

    async def replied():
        return len(real_shaped_bot.calls_to("sendMessage")) >= 2

    await _run_bot(real_shaped_bot, replied)

    logged = everything_logged.getvalue()
    assert "getUpdates" in logged and "sendMessage" in logged  # httpx did log each request
    assert TOKEN not in logged
    assert TOKEN.split(":")[1] not in logged
    assert "/bot[redacted]/getUpdates" in logged


def test_keys_and_passwords_are_masked_in_any_message_and_traceback(everything_logged):
    from accounts import log_redaction

    log_redaction.remember("smtp-password-of-the-instance")
    logger = logging.getLogger("notifications.test")
    logger.info("key %s and %s", "sk-ant-api03-abcdefghijklmnop", TOKEN)
    try:
        raise RuntimeError("login failed with smtp-password-of-the-instance")
    except RuntimeError:
        logger.exception("sending failed")
    logged = everything_logged.getvalue()
    assert "sk-ant-api03" not in logged and TOKEN not in logged
    assert "smtp-password-of-the-instance" not in logged
    assert logged.count("[redacted]") >= 3
