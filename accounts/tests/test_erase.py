import pytest
from allauth.mfa.totp.internal import auth as totp_auth
from django.apps import apps
from django.core.files.storage import default_storage

from accounts.models import DataExport, User
from accounts.tasks import build_export

pytestmark = pytest.mark.django_db


def model(label):
    return apps.get_model(label)


def test_erasing_needs_the_password(signed_in_client, user, alice_data):
    response = signed_in_client.post("/settings/delete/", {"password": "wrong"})
    assert response.status_code == 400
    assert "password is not correct" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_erasing_removes_every_row_and_file_and_leaves_others_untouched(
    signed_in_client, user, password, alice_data, bob_data
):
    job = DataExport.objects.create(user=user)
    build_export(str(job.pk))
    job.refresh_from_db()
    alice_files = [*alice_data.files, job.file.name]
    assert all(default_storage.exists(name) for name in alice_files)

    response = signed_in_client.post("/settings/delete/", {"password": password})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not User.objects.filter(pk=user.pk).exists()
    for label, row in alice_data.rows.items():
        assert not model(label).objects.filter(pk=row.pk).exists(), label
    for name in alice_files:
        assert not default_storage.exists(name), name
    folders, _ = default_storage.listdir("uploads")
    assert str(user.pk) not in folders and str(bob_data.user.pk) in folders
    for label, row in bob_data.rows.items():
        assert model(label).objects.filter(pk=row.pk).exists(), label
    for name in bob_data.files:
        assert default_storage.exists(name)
    # Signed out.
    assert signed_in_client.get("/").status_code == 302


def test_erasing_an_account_with_two_factor_needs_its_code(signed_in_client, user, password):
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(user, secret)
    response = signed_in_client.post("/settings/delete/", {"password": password, "code": "123456"})
    assert response.status_code == 400
    assert User.objects.filter(pk=user.pk).exists()
    counter = next(totp_auth.yield_hotp_counters_from_time())
    code = totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))
    response = signed_in_client.post("/settings/delete/", {"password": password, "code": code})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_after_erasing_another_account_of_the_browser_stays_signed_in(
    signed_in_client, user, other_user, password
):
    signed_in_client.post("/accounts/switch/add/", {"login": other_user.email, "password": password})
    signed_in_client.post("/accounts/switch/", {"account": str(user.pk)})
    response = signed_in_client.post("/settings/delete/", {"password": password})
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=user.pk).exists()
    assert signed_in_client.session["_auth_user_id"] == str(other_user.pk)
    page = signed_in_client.get("/accounts/switch/").content.decode()
    assert "The account alice@example.com and all its data are erased." in page
    listed = page.split('data-testid="account-list"')[1].split("</ul>")[0]
    assert "alice@example.com" not in listed and "bob@example.com" in listed
