import pytest
from allauth.mfa.totp.internal import auth as totp_auth
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY

pytestmark = pytest.mark.django_db


def current_code(secret):
    counter = next(totp_auth.yield_hotp_counters_from_time())
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))


def account_list(client):
    html = client.get("/accounts/switch/").content.decode()
    return html.split('data-testid="account-list"')[1].split("</ul>")[0]


def add_account(client, email, password):
    return client.post("/accounts/switch/add/", {"login": email, "password": password})


def test_adding_an_account_signs_it_in_and_keeps_the_first(signed_in_client, other_user, password):
    response = add_account(signed_in_client, other_user.email, password)
    assert response.status_code == 302
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(other_user.pk)
    listed = account_list(signed_in_client)
    assert "alice@example.com" in listed and "bob@example.com" in listed


def test_a_wrong_password_adds_nothing(signed_in_client, user, other_user):
    response = add_account(signed_in_client, other_user.email, "not-the-password")
    assert response.status_code == 400
    assert "not correct" in response.content.decode()
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert "bob@example.com" not in account_list(signed_in_client)


def test_switching_back_needs_no_password_and_rotates_the_session_key(
    signed_in_client, user, other_user, password
):
    add_account(signed_in_client, other_user.email, password)
    key_as_bob = signed_in_client.session.session_key
    response = signed_in_client.post("/accounts/switch/", {"account": str(user.pk)})
    assert response.status_code == 302
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert signed_in_client.session.session_key != key_as_bob
    # The header menu offers Bob, with a POST form.
    html = signed_in_client.get("/").content.decode()
    assert 'data-testid="signed-in-as">Alice Example<' in html
    assert "bob@example.com" in html


def test_session_data_of_one_account_does_not_follow_into_another(
    signed_in_client, other_user, password
):
    session = signed_in_client.session
    session["alice_private"] = "draft"
    session.save()
    add_account(signed_in_client, other_user.email, password)
    assert "alice_private" not in signed_in_client.session


def test_after_switching_only_the_active_accounts_data_shows(
    signed_in_client, user, other_user, password, alice_data, bob_data
):
    from accounts.models import DataExport

    alice_export = DataExport.objects.create(user=user, status="done", file="exports/x/a.zip")
    add_account(signed_in_client, other_user.email, password)
    dashboard = signed_in_client.get("/").content.decode()
    assert "bob blood pressure chat" in dashboard
    assert "alice blood pressure chat" not in dashboard
    # Alice's own object URL is refused while Bob is active.
    assert signed_in_client.get(f"/settings/export/{alice_export.pk}/download/").status_code == 404
    signed_in_client.post("/accounts/switch/", {"account": str(user.pk)})
    dashboard = signed_in_client.get("/").content.decode()
    assert "alice blood pressure chat" in dashboard
    assert "bob blood pressure chat" not in dashboard


def test_an_account_that_is_not_signed_in_here_cannot_be_switched_to(
    signed_in_client, user, other_user
):
    response = signed_in_client.post("/accounts/switch/", {"account": str(other_user.pk)}, follow=True)
    assert "not signed in on this browser" in response.content.decode()
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(user.pk)


def test_a_password_change_elsewhere_drops_the_remembered_account(
    signed_in_client, user, other_user, password
):
    add_account(signed_in_client, other_user.email, password)
    signed_in_client.post("/accounts/switch/", {"account": str(user.pk)})
    other_user.set_password("a-brand-new-password-42")
    other_user.save()
    signed_in_client.post("/accounts/switch/", {"account": str(other_user.pk)})
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(user.pk)


def test_the_cap_of_accounts_per_browser(signed_in_client, make_user, password):
    from accounts.switching import MAX_ACCOUNTS

    for number in range(MAX_ACCOUNTS - 1):
        add_account(signed_in_client, make_user(f"family{number}@example.com").email, password)
    extra = make_user("one-too-many@example.com")
    response = add_account(signed_in_client, extra.email, password)
    assert response.status_code == 302
    page = signed_in_client.get("/accounts/switch/").content.decode()
    assert "maximum of 5 accounts" in page
    assert "one-too-many@example.com" not in page


def test_signing_out_the_active_account_switches_to_the_other(
    signed_in_client, user, other_user, password
):
    add_account(signed_in_client, other_user.email, password)
    signed_in_client.post("/accounts/switch/sign-out/", {"account": str(other_user.pk)})
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert "bob@example.com" not in account_list(signed_in_client)


def test_signing_out_of_all_accounts(signed_in_client, other_user, password):
    add_account(signed_in_client, other_user.email, password)
    signed_in_client.post("/accounts/switch/sign-out-all/")
    assert AUTH_SESSION_KEY not in signed_in_client.session
    assert signed_in_client.get("/").status_code == 302


def test_an_account_with_two_factor_needs_its_code(signed_in_client, user, other_user, password):
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(other_user, secret)
    response = add_account(signed_in_client, other_user.email, password)
    assert response["Location"] == "/accounts/switch/add/verify/"
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(user.pk)
    wrong = signed_in_client.post("/accounts/switch/add/verify/", {"code": "000000"})
    assert wrong.status_code == 400
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(user.pk)
    signed_in_client.post("/accounts/switch/add/verify/", {"code": current_code(secret)})
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(other_user.pk)


def test_the_added_account_can_remove_that_browser_from_its_sessions_page(
    signed_in_client, user, other_user, password
):
    from django.test import Client

    from accounts.models import SwitchGrant

    add_account(signed_in_client, other_user.email, password)
    signed_in_client.post("/accounts/switch/", {"account": str(user.pk)})

    bobs_phone = Client()
    bobs_phone.force_login(other_user)
    page = bobs_phone.get("/accounts/sessions/").content.decode()
    assert "In other browsers' account switchers" in page
    grant = SwitchGrant.objects.get(user=other_user)
    # Nobody else can remove it.
    assert signed_in_client.post(f"/accounts/switch/revoke/{grant.pk}/").status_code == 404
    bobs_phone.post(f"/accounts/switch/revoke/{grant.pk}/")

    assert "bob@example.com" not in account_list(signed_in_client)
    signed_in_client.post("/accounts/switch/", {"account": str(other_user.pk)})
    assert signed_in_client.session[AUTH_SESSION_KEY] == str(user.pk)


def test_signing_out_forgets_this_browsers_grants(signed_in_client, other_user, password):
    from accounts.models import SwitchGrant

    add_account(signed_in_client, other_user.email, password)
    assert SwitchGrant.objects.count() == 2
    signed_in_client.post("/accounts/logout/")
    assert SwitchGrant.objects.count() == 0
