"""`manage.py telegram_bot`: the Telegram bot, by long polling."""

import sys
import time

from django.core.management.base import BaseCommand

from notifications import telegram_api
from notifications.bot import build_application

WAIT_SECONDS = 30


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
        if not token:
            # As a compose service it must not crash-loop: wait for an admin to set one.
            self.stderr.write("No Telegram bot token yet: set TELEGRAM_BOT_TOKEN or the runtime "
                              "setting telegram_bot_token in the admin. Waiting for one…")
            while not (token := telegram_api.token()):
                time.sleep(WAIT_SECONDS)
        self.stdout.write("Telegram bot polling for updates (Ctrl-C stops it).")
        build_application(token).run_polling(allowed_updates=["message", "callback_query"])
