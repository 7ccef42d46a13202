"""The bot's models, taken over from the notifications app with their tables
(`notifications_telegramlinkcode`, `notifications_telegramconversation`): on a fresh
database notifications' migrations made them, on an existing one they hold the rows, and
in both cases only Django's state changes here. The content types (and so any permission
granted on these models) follow the models."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ['telegramlinkcode', 'telegramconversation']


def move_content_types(from_label, to_label):
    def move(apps, schema_editor):
        ContentType = apps.get_model('contenttypes', 'ContentType')
        db = schema_editor.connection.alias
        for model in MODELS:
            if not ContentType.objects.using(db).filter(app_label=to_label, model=model).exists():
                ContentType.objects.using(db).filter(app_label=from_label, model=model).update(
                    app_label=to_label)
    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('chats', '0002_token_usage'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('notifications', '0013_telegram_models_to_telegram_bot'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TelegramLinkCode',
                    fields=[
                        ('code', models.CharField(max_length=32, primary_key=True, serialize=False)),
                        ('expires_at', models.DateTimeField()),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='telegram_codes', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'notifications_telegramlinkcode',
                    },
                ),
                migrations.CreateModel(
                    name='TelegramConversation',
                    fields=[
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='telegram_conversation', serialize=False, to=settings.AUTH_USER_MODEL)),
                        ('updated', models.DateTimeField(auto_now=True)),
                        ('chat', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='chats.chat')),
                    ],
                    options={
                        'verbose_name': 'Telegram conversation',
                        'verbose_name_plural': 'Telegram conversations',
                        'db_table': 'notifications_telegramconversation',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types('notifications', 'telegram_bot'),
                             move_content_types('telegram_bot', 'notifications')),
    ]
