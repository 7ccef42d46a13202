import pytest

pytestmark = pytest.mark.django_db


def test_admin_opens_the_user_list(client, make_user):
    admin = make_user("admin@example.com", role="admin")
    make_user("patient@example.com")
    client.force_login(admin)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 200
    assert "patient@example.com" in response.content.decode()


def test_admin_edits_a_users_chat_limit(client, make_user):
    admin = make_user("admin@example.com", role="admin")
    patient = make_user("patient@example.com")
    client.force_login(admin)
    assert client.get(f"/admin/accounts/user/{patient.pk}/change/").status_code == 200


def test_admin_opens_runtime_settings(client, make_user):
    client.force_login(make_user("admin@example.com", role="admin"))
    html = client.get("/admin/constance/config/").content.decode()
    assert "self_registration_enabled" in html
    assert "default_max_chats" in html


def test_ordinary_user_cannot_reach_the_admin(client, user):
    client.force_login(user)
    response = client.get("/admin/accounts/user/", follow=True)
    assert response.status_code == 403
    assert "patient" not in response.content.decode()


def test_the_admin_signs_in_through_the_rate_limited_two_factor_login(client, make_user, password):
    response = client.get("/admin/accounts/user/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=/admin/accounts/user/")
    make_user("admin@example.com", role="admin")
    response = client.post(
        "/accounts/login/?next=/admin/accounts/user/",
        {"login": "admin@example.com", "password": password, "next": "/admin/accounts/user/"},
    )
    assert response["Location"] == "/admin/accounts/user/"
    assert client.get("/admin/accounts/user/").status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_list_shows_storage_used_and_tokens_of_the_last_30_days(
    client, make_user, user, alice_data
):
    from django.utils import timezone

    from chats.models import TokenUsage

    TokenUsage.objects.filter(user=user).update(day=timezone.localdate())
    TokenUsage.objects.create(  # older than 30 days: not counted
        user=user, day="2020-01-01", source="chat", model="claude", input_tokens=99999
    )
    client.force_login(make_user("admin@example.com", role="admin"))
    html = client.get("/admin/accounts/user/?q=alice").content.decode()
    # 31 bytes of the lab result + 14 bytes of the generated PDF.
    assert "45\xa0bytes" in html
    assert "1\u202f200" in html  # 1000 input + 200 output tokens


def test_admin_changes_role_and_chat_limit_from_the_list(client, make_user, user):
    admin_user = make_user("admin@example.com", role="admin")
    client.force_login(admin_user)
    response = client.post("/admin/accounts/user/", {
        "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2",
        "form-0-id": str(admin_user.pk), "form-0-role": "admin", "form-0-is_active": "on",
        "form-0-max_chats": "",
        "form-1-id": str(user.pk), "form-1-role": "user", "form-1-max_chats": "3",
        "_save": "Save",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.max_chats == 3 and not user.is_active


def test_token_usage_is_read_only_and_filterable_per_user(client, make_user, alice_data, bob_data):
    client.force_login(make_user("admin@example.com", role="admin"))
    usage = alice_data.rows["chats.tokenusage"]
    html = client.get(f"/admin/chats/tokenusage/?user__id__exact={usage.user_id}").content.decode()
    assert "alice@example.com" in html and "bob@example.com" not in html.split("<tbody>")[1]
    assert client.get("/admin/chats/tokenusage/add/").status_code == 403


def test_job_tasks_and_schedules_show_in_the_admin(client, make_user, settings):
    client.force_login(make_user("admin@example.com", role="admin"))
    urls = ["/admin/django_q/schedule/", "/admin/django_q/success/", "/admin/django_q/failure/"]
    if settings.Q_CLUSTER.get("orm"):  # the queue itself shows only with the ORM broker
        urls.append("/admin/django_q/ormq/")
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_deactivated_admin_cannot_reach_the_admin(client, make_user):
    admin_user = make_user("admin@example.com", role="admin", is_active=False)
    client.force_login(admin_user)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_the_admin_never_shows_secret_runtime_settings(client, make_user):
    """Write-only: "set"/"not set", a new value stored encrypted, an empty field keeps it."""
    from constance import config
    from constance.utils import get_values

    from accounts.runtime_secrets import secret_setting

    token = "7000001234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x"
    client.force_login(make_user("admin@example.com", role="admin"))
    page = client.get("/admin/constance/config/").content.decode()
    assert "Currently: not set" in page

    form = {name: "" for name in get_values()}
    form.update({
        name: str(value) for name, value in get_values().items() if not isinstance(value, bool)
    })
    form.update(self_registration_enabled="on", telegram_bot_token=token,
                smtp_url="smtp://mailer:hunter2-smtp-pass@mail.example.com:587")
    import re

    form["version"] = re.search(r'name="version" value="([^"]+)"', page).group(1)
    response = client.post("/admin/constance/config/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert config.telegram_bot_token.startswith("fernet:")  # stored encrypted
    assert token not in config.telegram_bot_token
    assert secret_setting("telegram_bot_token") == token

    page = client.get("/admin/constance/config/").content.decode()
    assert token not in page and "hunter2-smtp-pass" not in page
    assert "Currently: set" in page
    assert "smtp://mailer:•••@mail.example.com:587" in page

    # Saving the page again with the secret fields empty keeps both values.
    form["version"] = re.search(r'name="version" value="([^"]+)"', page).group(1)
    form.update(telegram_bot_token="", smtp_url="")
    assert client.post("/admin/constance/config/", form).status_code == 302
    assert secret_setting("telegram_bot_token") == token
    assert secret_setting("smtp_url") == "smtp://mailer:hunter2-smtp-pass@mail.example.com:587"
