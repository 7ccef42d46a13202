"""`manage.py telegram_bot`: the Telegram bot, by long polling.

It never exits on a problem it can outlive: without a token it waits for one; when the
Bot API rejects the token or cannot be reached it says so and tries again with a growing
delay (reading the token again each time, so a corrected one in the admin is picked up).
Only a signal stops it.
"""

import asyncio
import sys
import time

from django.core.management.base import BaseCommand
from telegram.error import InvalidToken, NetworkError, TelegramError

from notifications import telegram_api
from telegram_bot.bot import build_application

WAIT_SECONDS = 30
RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 300


def probe(bot_token: str) -> str:
    """"" when the Bot API accepts the token, else what is wrong, in a sentence."""
    bot = telegram_api.make_bot(bot_token)

    async def go():
        async with bot:
            return bot.username

    try:
        asyncio.run(go())
    except InvalidToken as error:
        return f"The Bot API rejected the Telegram bot token ({error})."
    except NetworkError as error:
        return f"The Bot API cannot be reached ({type(error).__name__}: {error})."
    except TelegramError as error:
        return f"The Bot API answered with an error ({type(error).__name__}: {error})."
    return ""


class Command(BaseCommand):
    help = "Runs the Telegram bot (long polling). --check-token: exit 0 only if a token is set."

    def add_arguments(self, parser):
        parser.add_argument("--check-token", action="store_true",
                            help="Exit 0 when a bot token is configured, 1 otherwise.")

    def handle(self, *args, check_token=False, **options):
        token = telegram_api.token()
        if check_token:
            if token:
                self.stdout.write("A Telegram bot token is configured.")
                return
            self.stderr.write("No Telegram bot token is configured.")
            sys.exit(1)
        delay = RETRY_SECONDS
        while True:
            token = self.wait_for_token()
            problem = probe(token)
            if not problem:
                delay = RETRY_SECONDS
                self.stdout.write("Telegram bot polling for updates (Ctrl-C stops it).")
                self.stdout.flush()
                try:
                    build_application(token).run_polling(
                        allowed_updates=["message", "callback_query"]
                    )
                    return  # stopped by a signal
                except (InvalidToken, NetworkError) as error:
                    problem = f"Polling stopped: {type(error).__name__}: {error}."
            self.stderr.write(f"{problem} The bot waits and tries again in {delay} s; set a "
                              "valid token in TELEGRAM_BOT_TOKEN or the admin's runtime "
                              "setting telegram_bot_token.")
            self.stderr.flush()
            time.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    def wait_for_token(self) -> str:
        token = telegram_api.token()
        if not token:
            # As a compose service it must not crash-loop: wait for an admin to set one.
            self.stderr.write("No Telegram bot token yet: set TELEGRAM_BOT_TOKEN or the runtime "
                              "setting telegram_bot_token in the admin. Waiting for one…")
            self.stderr.flush()
            while not (token := telegram_api.token()):
                time.sleep(WAIT_SECONDS)
        return token
