"""Secret runtime settings: encrypted with a key derived from SECRET_KEY, read through one
accessor, readable while a new SECRET_KEY rolls out, and empty (not an error) without it."""

import pytest
from constance.test.pytest import override_config

from accounts import log_redaction
from accounts.runtime_secrets import decrypt, encrypt, secret_setting

pytestmark = pytest.mark.django_db


def test_a_stored_secret_is_encrypted_and_read_back_in_clear():
    stored = encrypt("7000001234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x")
    assert stored.startswith("fernet:") and "AAHdq" not in stored
    with override_config(telegram_bot_token=stored):
        assert secret_setting("telegram_bot_token") == (
            "7000001234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x")


def test_a_value_stored_in_clear_by_an_older_version_still_reads():
    with override_config(smtp_url="smtp://u:p4ssw0rd-old@mail.example.com:25"):
        assert secret_setting("smtp_url") == "smtp://u:p4ssw0rd-old@mail.example.com:25"


def test_the_smtp_password_read_is_masked_in_logs_from_then_on():
    with override_config(smtp_url=encrypt("smtp://u:very-secret-pass@mail.example.com:25")):
        secret_setting("smtp_url")
    assert "very-secret-pass" not in log_redaction.redact("auth failed: very-secret-pass")


def test_a_new_secret_key_with_the_old_one_as_fallback_still_decrypts(settings):
    stored = encrypt("secret-value")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "x" * 40
    assert decrypt(stored) == "secret-value"
    settings.SECRET_KEY_FALLBACKS = []
    assert decrypt(stored) == ""  # unreadable: empty, with an error in the log


def test_the_migration_encrypts_values_stored_in_clear():
    import importlib

    from constance import codecs
    from constance.models import Constance
    from django.apps import apps

    Constance.objects.update_or_create(key="telegram_bot_token",
                                       defaults={"value": codecs.dumps("123:clear-token")})
    migration = importlib.import_module("notifications.migrations.0004_encrypt_runtime_secrets")
    migration.encrypt_stored_secrets(apps, None)
    stored = codecs.loads(Constance.objects.get(key="telegram_bot_token").value)
    assert stored.startswith("fernet:") and decrypt(stored) == "123:clear-token"
