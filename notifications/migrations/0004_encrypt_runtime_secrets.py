"""The secret runtime settings (SMTP URL, bot token) that older versions stored in clear
are stored encrypted from now on (accounts/runtime_secrets.py)."""

from django.conf import settings
from django.db import migrations


def encrypt_stored_secrets(apps, schema_editor):
    from constance import codecs

    from accounts import runtime_secrets

    Constance = apps.get_model("constance", "Constance")
    prefix = getattr(settings, "CONSTANCE_DATABASE_PREFIX", "")
    for name in runtime_secrets.SECRET_SETTINGS:
        row = Constance.objects.filter(key=prefix + name).first()
        if row is None or row.value is None:
            continue
        value = codecs.loads(row.value)
        if isinstance(value, str) and value and not runtime_secrets.is_encrypted(value):
            row.value = codecs.dumps(runtime_secrets.encrypt(value))
            row.save(update_fields=["value"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_schedules"),
        ("constance", "0003_drop_pickle"),
    ]

    operations = [migrations.RunPython(encrypt_stored_secrets, migrations.RunPython.noop)]
