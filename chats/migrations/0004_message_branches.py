
import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def link_linear(apps, schema_editor):
    """Every chat so far is one line: each message follows the one before it."""
    Message = apps.get_model("chats", "Message")
    rows = (Message.objects.order_by("chat_id", "created")
            .values_list("pk", "chat_id").iterator(chunk_size=BATCH))
    previous_chat, previous, pending = None, None, []
    for pk, chat_id in rows:
        if chat_id != previous_chat:
            previous_chat, previous = chat_id, None
        if previous is not None:
            pending.append(Message(pk=pk, parent_id=previous))
        previous = pk
        if len(pending) >= BATCH:
            Message.objects.bulk_update(pending, ["parent"])
            pending = []
    if pending:
        Message.objects.bulk_update(pending, ["parent"])


class Migration(migrations.Migration):

    dependencies = [
        ('chats', '0003_assistant_action'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='on_path',
            field=models.BooleanField(default=True, verbose_name='on the active path'),
        ),
        migrations.AddField(
            model_name='message',
            name='parent',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='chats.message'),
        ),
        migrations.AddField(
            model_name='message',
            name='selected',
            field=models.BooleanField(default=True, verbose_name='selected version'),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(fields=['chat', 'on_path', 'created'], name='chats_messa_chat_id_65c79a_idx'),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(fields=['chat', 'parent'], name='chats_messa_chat_id_c991fa_idx'),
        ),
        migrations.RunPython(link_linear, migrations.RunPython.noop, elidable=True),
    ]
