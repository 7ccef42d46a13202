"""The shell every page shares: health check, sidebar, bell, self-hosted assets, CSP."""

import re

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

SECTION_URLS = [
    "/", "/chats/", "/documents/", "/memory/", "/memory/trends/", "/pdfs/", "/skills/",
    "/notifications/", "/settings/",
]


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_reports_a_database_outage(client, monkeypatch):
    from django.db.utils import OperationalError

    def broken_cursor(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.parametrize("url", SECTION_URLS)
def test_every_section_of_the_sidebar_opens(signed_in_client, url):
    response = signed_in_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-unread-count="0"' in html
    assert "alice@example.com" in html


def test_sidebar_lists_every_section(signed_in_client):
    html = signed_in_client.get("/").content.decode()
    for url in SECTION_URLS:
        assert f'href="{url}"' in html


def test_unread_count_on_the_bell(signed_in_client, user, other_user):
    from notifications.models import Notification

    for status in ["sent", "delivered", "read", "pending"]:
        Notification.objects.create(user=user, title=status, status=status)
    Notification.objects.create(user=other_user, title="not mine", status="sent")
    html = signed_in_client.get("/").content.decode()
    assert 'data-unread-count="2"' in html


def test_pages_load_nothing_from_other_hosts(signed_in_client):
    for url in SECTION_URLS:
        html = signed_in_client.get(url).content.decode()
        external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
        assert external == [], url


def test_strict_content_security_policy(signed_in_client):
    policy = signed_in_client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_unknown_url_is_a_friendly_404(signed_in_client, settings):
    settings.DEBUG = False
    response = signed_in_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "not yours" in response.content.decode()


def test_static_assets_are_served_by_the_app(client):
    for path in ["/static/css/app.css", "/static/vendor/htmx.min.js", "/static/js/app.js"]:
        response = client.get(path)
        assert response.status_code == 200, path
