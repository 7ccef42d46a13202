"""Two-factor (allauth.mfa: TOTP and recovery codes) and the user's own sessions."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # used TOTP codes and rate limits live in the cache
    yield
    cache.clear()


def code_for(secret, offset=0):
    counters = list(totp_auth.yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2 + offset]
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))


def log_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def activate_totp(client, password):
    # allauth asks for the password again before a security change.
    client.post("/accounts/reauthenticate/", {"password": password})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session[totp_auth.SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": code_for(secret)})
    assert response.status_code == 302
    return secret


def test_activating_totp_through_the_pages_then_signing_in_needs_a_code(
    client, user, password, settings
):
    # A code is accepted once; with one period of tolerance the next period's code
    # signs in right after activation, without waiting 30 seconds.
    settings.MFA_TOTP_TOLERANCE = 1
    log_in(client, user.email, password)
    secret = activate_totp(client, password)
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    client.post("/accounts/logout/")

    response = log_in(client, user.email, password)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert AUTH_SESSION_KEY not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "Incorrect code" in wrong.content.decode()
    assert AUTH_SESSION_KEY not in client.session
    client.post("/accounts/2fa/authenticate/", {"code": code_for(secret, offset=1)})
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)


def test_a_recovery_code_signs_in_once(client, user, password):
    log_in(client, user.email, password)
    activate_totp(client, password)
    html = client.get("/accounts/2fa/recovery-codes/").content.decode()
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()
    assert codes[0] in html
    client.post("/accounts/logout/")

    log_in(client, user.email, password)
    client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    client.post("/accounts/logout/")
    log_in(client, user.email, password)
    client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert AUTH_SESSION_KEY not in client.session


def test_the_sessions_page_lists_devices_and_signs_out_the_others(user, password):
    laptop = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1")
    log_in(laptop, user.email, password)
    log_in(phone, user.email, password)
    assert phone.get("/").status_code == 200

    html = laptop.get("/accounts/sessions/").content.decode()
    assert "127.0.0.1" in html
    assert "Firefox on Linux" in html and "Safari on iPhone" in html
    laptop.post("/accounts/sessions/")

    assert phone.get("/").status_code == 302  # signed out
    assert laptop.get("/").status_code == 200


def test_one_session_is_signed_out_from_the_sessions_page_and_the_others_stay(user, password,
                                                                                other_user):
    from allauth.usersessions.models import UserSession

    from accounts.session_views import public_id

    laptop = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1")
    tablet = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPad; CPU OS 18_0) Safari/604.1")
    for device in (laptop, phone, tablet):
        log_in(device, user.email, password)
        assert device.get("/").status_code == 200
    phone_session = UserSession.objects.get(user=user, session_key=phone.session.session_key)
    end = f"/settings/sessions/{public_id(phone_session)}/end/"
    html = laptop.get("/accounts/sessions/").content.decode()
    assert f'action="{end}"' in html
    # Not this device's own row: that one is the ordinary sign-out.
    own = UserSession.objects.get(user=user, session_key=laptop.session.session_key)
    assert f'action="/settings/sessions/{public_id(own)}/end/"' not in html
    assert own.session_key not in html and phone_session.session_key not in html
    assert laptop.get(end).status_code == 405
    response = laptop.post(end, follow=True)
    assert "That device is signed out." in response.content.decode()
    assert phone.get("/").status_code == 302  # signed out
    assert laptop.get("/").status_code == 200 and tablet.get("/").status_code == 200
    # Another user's session is not found, and stays.
    stranger = Client()
    stranger.force_login(other_user)
    tablet_session = UserSession.objects.get(user=user, session_key=tablet.session.session_key)
    assert stranger.post(f"/settings/sessions/{public_id(tablet_session)}/end/").status_code == 404
    assert tablet.get("/").status_code == 200


def test_two_factor_secrets_are_stored_encrypted(client, user, password, settings):
    """Issue 22, item 11: a copy of the database no longer gives the second factor."""
    settings.MFA_TOTP_TOLERANCE = 1  # the next period's code, right after activation
    log_in(client, user.email, password)
    secret = activate_totp(client, password)
    client.get("/accounts/2fa/recovery-codes/")
    stored = dict(Authenticator.objects.filter(user=user).values_list("type", "data"))
    assert secret not in str(stored["totp"])
    assert stored["totp"]["secret"].startswith("fernet:")
    assert stored["recovery_codes"]["seed"].startswith("fernet:")
    # allauth still reads them: the code of the moment is accepted.
    assert Authenticator.objects.get(user=user, type="totp").wrap().validate_code(
        code_for(secret, offset=1))


def test_secrets_stored_in_clear_before_are_encrypted_by_the_migration(user):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0006_encrypt_two_factor_secrets")
    secret = totp_auth.generate_totp_secret()
    Authenticator.objects.create(user=user, type="totp", data={"secret": secret})  # clear
    migration.encrypt(apps, None)
    stored = Authenticator.objects.get(user=user, type="totp")
    assert stored.data["secret"].startswith("fernet:") and secret not in str(stored.data)
    assert stored.wrap().validate_code(code_for(secret))
    migration.encrypt(apps, None)  # again: nothing encrypted twice
    assert Authenticator.objects.get(pk=stored.pk).data == stored.data


def test_a_secret_that_cannot_be_decrypted_matches_no_code(client, user, password, settings):
    """After a SECRET_KEY change the stored seed is unreadable: it must not fall back to
    an empty seed, whose recovery codes are the same for everyone."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    log_in(client, user.email, password)
    activate_totp(client, password)
    client.get("/accounts/2fa/recovery-codes/")
    settings.SECRET_KEY = "another-secret-key-after-a-rotation-0123456789"
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap()
    empty_seed = RecoveryCodes(Authenticator(type="recovery_codes",
                                             data={"seed": "", "used_mask": 0}))
    empty_seed.instance.data["seed"] = ""
    assert codes.generate_codes() != [c for c in empty_seed.generate_codes()]
    assert not Authenticator.objects.get(user=user, type="totp").wrap().validate_code("123456")
