"""A shared device: the browser's push subscription goes with the account that made it
(signing out, switching, signing in as someone else), and the buttons of what it already
shows stop acting; every page and file served to a signed-in person is `no-store`."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import delivery, push
from notifications.models import Notification, PushSubscription

pytestmark = pytest.mark.django_db


def _subscribe(client, push_service, browser_keys, name):
    body = {"endpoint": push_service.endpoint(name),
            "keys": {"p256dh": browser_keys["p256dh"], "auth": browser_keys["auth_b64"]}}
    answer = client.post(reverse("notifications:push_subscribe"), json.dumps(body),
                         content_type="application/json")
    assert answer.status_code == 201
    return answer


def test_signing_out_removes_this_browsers_subscription(client, user, push_service,
                                                       browser_keys, make_user, password):
    client.force_login(user)
    answer = _subscribe(client, push_service, browser_keys, "shared-tablet")
    assert answer.cookies[push.BROWSER_COOKIE]["httponly"]
    elsewhere = type(client)()
    elsewhere.force_login(user)
    _subscribe(elsewhere, push_service, browser_keys, "own-phone")

    assert client.post(reverse("account_logout")).status_code == 302

    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        push_service.endpoint("own-phone")], "only the browser that signed out loses it"


def test_switching_accounts_removes_the_previous_accounts_subscription(
        client, user, other_user, password, push_service, browser_keys):
    client.force_login(user)
    _subscribe(client, push_service, browser_keys, "family-laptop")
    # Bob is added in the same browser (really signing in), which makes him active.
    assert client.post("/accounts/switch/add/", {"login": other_user.email,
                                                 "password": password}).status_code == 302
    assert not PushSubscription.objects.exists()
    Notification.objects.create(user=user, title="Alice's pills",
                                channel=Notification.Channel.PUSH, scheduled_at=timezone.now())
    delivery.deliver_due()
    assert push_service.messages == [], "Alice's reminders no longer reach Bob's screen"


def test_switching_back_and_forth_keeps_only_the_active_accounts(
        client, user, other_user, password, push_service, browser_keys):
    client.force_login(user)
    client.post("/accounts/switch/add/", {"login": other_user.email, "password": password})
    _subscribe(client, push_service, browser_keys, "bob-here")  # Bob turns push on
    client.post("/accounts/switch/", {"account": str(user.pk)})  # back to Alice
    assert not PushSubscription.objects.filter(user=other_user).exists()


def test_buttons_of_a_shown_notification_stop_acting_once_its_device_is_gone(
        client, user, push_service, browser_keys):
    import http_ece

    client.force_login(user)
    _subscribe(client, push_service, browser_keys, "shared-tablet")
    reminder = Notification.objects.create(user=user, title="Take bisoprolol",
                                           channel=Notification.Channel.PUSH,
                                           scheduled_at=timezone.now())
    delivery.deliver_due()
    shown = json.loads(http_ece.decrypt(
        push_service.messages[0].body, private_key=browser_keys["private"],
        auth_secret=browser_keys["auth"], version="aes128gcm"))
    client.post(reverse("account_logout"))

    worker = type(client)()
    answer = worker.post(shown["action_url"], json.dumps({"token": shown["token"],
                                                          "action": "done"}),
                         content_type="application/json")
    assert answer.status_code == 404
    reminder.refresh_from_db()
    assert "done_at" not in reminder.metadata


# --- Cache-Control: no-store ------------------------------------------------------------


def test_authenticated_pages_and_downloads_are_not_stored(client, user):
    from django.core.files.base import ContentFile

    from documents.models import Document

    client.force_login(user)
    for url in ["/", reverse("notifications:index"), "/memory/", "/documents/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    document = Document.objects.create(user=user, filename="labs.txt", mime_type="text/plain",
                                       file_size=5, status="completed")
    document.file.save("labs.txt", ContentFile(b"ferritin 12"))
    download = client.get(f"/documents/{document.pk}/download/")
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]


def test_anonymous_pages_keep_their_caching(client):
    response = client.get("/offline/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
