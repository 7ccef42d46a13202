"""The Telegram bot's models move to the telegram_bot app (its migration 0001 takes them
over). Only Django's state changes here: the tables stay, with their rows, and keep their
names."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0012_review_hour'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='TelegramConversation'),
                migrations.DeleteModel(name='TelegramLinkCode'),
            ],
            database_operations=[],
        ),
    ]
