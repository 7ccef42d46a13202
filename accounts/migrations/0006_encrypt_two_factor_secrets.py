"""Encrypts the two-factor secrets an older version stored in clear in allauth's
`mfa_authenticator.data` (the TOTP key, the recovery codes' seed and migrated codes), with
the key accounts.adapter.MFAAdapter reads them with. A value already encrypted is kept."""

from django.db import migrations

from accounts import runtime_secrets

FIELDS = ("secret", "seed")


def _sealed(value):
    if not isinstance(value, str) or runtime_secrets.is_encrypted(value):
        return value
    return runtime_secrets.encrypt(value, runtime_secrets.TWO_FACTOR)


def _opened(value):
    if not isinstance(value, str):
        return value
    return runtime_secrets.decrypt(value, runtime_secrets.TWO_FACTOR)


def _each(apps, change):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        data = dict(authenticator.data or {})
        for name in FIELDS:
            if name in data:
                data[name] = change(data[name])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt(apps, schema_editor):
    _each(apps, _sealed)


def decrypt(apps, schema_editor):
    _each(apps, _opened)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_merge_20261126_0623"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
