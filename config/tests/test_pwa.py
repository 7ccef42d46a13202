"""The installable app: the manifest, the service worker at the root, the offline page.
(The worker in a real browser: tests/test_browser_devices.py.)"""

import json
from io import BytesIO

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

pytestmark = pytest.mark.django_db


def test_manifest_is_served_with_its_content_type_and_real_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Anamnesis"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] and manifest["background_color"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        width, height = Image.open(path).size
        assert f"{width}x{height}" == icon["sizes"]
        assert client.get(icon["src"]).status_code == 200


def test_service_worker_is_served_from_the_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    for asset in ["/static/css/app.css", "/static/js/pwa.js", "/static/img/icons/icon-192.png"]:
        assert f'"{asset}"' in body
    assert '"/offline/"' in body
    assert "notificationclick" in body and "push" in body


def test_offline_page_is_translated(client):
    assert "You are offline" in client.get("/offline/").text
    assert "Нет подключения к сети" in client.get("/offline/", HTTP_ACCEPT_LANGUAGE="ru").text


def test_pages_link_the_manifest_and_theme_colour_without_inline_script(client, user):
    client.force_login(user)
    page = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color"' in page
    assert '<script src="/static/js/pwa.js" defer></script>' in page


def test_favicon_ico_and_a_png_icon_are_served_for_browsers_that_ask_for_them(client, user):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/vnd.microsoft.icon"
    icon = Image.open(BytesIO(response.content))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "icon-32.png" in page and 'rel="apple-touch-icon"' in page
