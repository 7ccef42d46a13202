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
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
