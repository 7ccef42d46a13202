import pytest

pytestmark = pytest.mark.django_db


def test_visitor_gets_russian_from_accept_language(client):
    page = client.get("/accounts/login/", headers={"accept-language": "ru-RU,ru;q=0.9"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="ru">' in html
    assert "Войти" in html


def test_visitor_gets_english_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign In" in html


def test_signed_in_user_sees_their_language_whatever_the_browser_says(client, make_user):
    user = make_user("ru@example.com", language="ru")
    client.force_login(user)
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="ru">' in html
    assert "Главная" in html


def test_switching_language_is_stored_on_the_user(signed_in_client, user):
    response = signed_in_client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "ru"
    assert "Главная" in signed_in_client.get("/").content.decode()


def test_unknown_language_changes_nothing(signed_in_client, user):
    signed_in_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


def test_profile_saves_language_and_timezone(signed_in_client, user):
    response = signed_in_client.post(
        "/settings/", {"full_name": "Alice A.", "language": "ru", "timezone": "Europe/Moscow"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.language, user.timezone) == ("Alice A.", "ru", "Europe/Moscow")


def test_profile_rejects_an_unknown_timezone_with_400(signed_in_client, user):
    response = signed_in_client.post(
        "/settings/", {"full_name": "A", "language": "en", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.timezone == "UTC"
