"""Web Push: subscribing, a reminder reaching a local push service encrypted for the
browser, the service worker's Done/Snooze through a signed token, and expired devices."""

import json
import stat
from datetime import timedelta

import http_ece
import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from notifications import delivery, push, vapid
from notifications.models import Notification, NotificationPreference, PushSubscription

pytestmark = pytest.mark.django_db

# A public address that needs no DNS (the tests run without a resolver of the internet).
PUBLIC_ENDPOINT = "https://142.250.74.10/fcm/send/abc"


def _subscribe(client, push_service, browser_keys, name="alice-phone"):
    body = {"endpoint": push_service.endpoint(name), "expirationTime": None,
            "keys": {"p256dh": browser_keys["p256dh"], "auth": browser_keys["auth_b64"]}}
    return client.post(reverse("notifications:push_subscribe"), json.dumps(body),
                       content_type="application/json", HTTP_USER_AGENT="Firefox on Android")


def _decrypt(message, browser_keys) -> dict:
    plain = http_ece.decrypt(message.body, private_key=browser_keys["private"],
                             auth_secret=browser_keys["auth"], version="aes128gcm")
    return json.loads(plain)


def test_reminder_reaches_the_subscribed_browser_encrypted(client, user, push_service,
                                                         browser_keys):
    client.force_login(user)
    assert _subscribe(client, push_service, browser_keys).status_code == 201
    reminder = Notification.objects.create(
        user=user, title="Take bisoprolol 5 mg", body="With breakfast",
        channel=Notification.Channel.PUSH, scheduled_at=timezone.now() - timedelta(seconds=1),
    )

    assert delivery.deliver_due() == 1

    reminder.refresh_from_db()
    assert reminder.status == Notification.Status.SENT
    [message] = push_service.messages
    assert message.subscription == "alice-phone"
    assert message.headers["content-encoding"] == "aes128gcm"
    assert b"bisoprolol" not in message.body, "the push service only sees ciphertext"
    shown = _decrypt(message, browser_keys)
    assert shown["title"] == "Take bisoprolol 5 mg"
    assert shown["body"] == "With breakfast"
    assert [action["action"] for action in shown["actions"]] == ["done", "snooze"]
    assert message.claims["sub"].startswith("mailto:")


def test_push_text_is_in_the_users_language(client, make_user, push_service, browser_keys):
    ivan = make_user("ivan@example.com", language="ru")
    client.force_login(ivan)
    _subscribe(client, push_service, browser_keys)
    Notification.objects.create(user=ivan, title="Измерить давление",
                                channel=Notification.Channel.PUSH, scheduled_at=timezone.now())
    delivery.deliver_due()
    shown = _decrypt(push_service.messages[0], browser_keys)
    assert [action["title"] for action in shown["actions"]] == ["Готово", "Отложить на 1 ч"]


def test_done_from_the_notification_uses_the_signed_token(client, user, push_service,
                                                         browser_keys):
    client.force_login(user)
    _subscribe(client, push_service, browser_keys)
    reminder = Notification.objects.create(user=user, title="Take bisoprolol",
                                           channel=Notification.Channel.PUSH,
                                           scheduled_at=timezone.now())
    delivery.deliver_due()
    shown = _decrypt(push_service.messages[0], browser_keys)

    worker = type(client)(enforce_csrf_checks=True)  # the service worker: no session, no CSRF
    answer = worker.post(shown["action_url"], json.dumps({"token": shown["token"],
                                                          "action": "done"}),
                         content_type="application/json")
    assert answer.status_code == 200
    reminder.refresh_from_db()
    assert reminder.metadata.get("done_at")

    answer = worker.post(shown["action_url"], json.dumps({"token": shown["token"],
                                                          "action": "snooze"}),
                         content_type="application/json")
    assert answer.status_code == 200
    again = Notification.objects.get(metadata__snoozed_from=str(reminder.pk))
    assert again.channel == Notification.Channel.PUSH


@pytest.mark.parametrize("body", [
    {"token": "forged:token", "action": "done"},
    {"token": None, "action": "done"},
    {"action": "delete"},
    "not an object",
])
def test_bad_action_requests_are_refused(client, body):
    answer = client.post(reverse("notifications:push_action"), json.dumps(body),
                         content_type="application/json")
    assert answer.status_code in (400, 404)


def test_a_tampered_token_cannot_reach_another_notification(client, user, other_user):
    mine = Notification.objects.create(user=user, title="Mine")
    theirs = Notification.objects.create(user=other_user, title="Theirs")
    device = PushSubscription.objects.create(user=user, endpoint=PUBLIC_ENDPOINT, p256dh="x",
                                             auth="y")
    token = push.action_token(mine, device)
    assert push.notification_for_token(token) == mine
    assert push.notification_for_token(token[:-3] + "abc") is None
    # Even a validly signed token names a notification only together with its owner.
    mismatched = signing.dumps({"n": str(theirs.pk), "u": str(user.pk), "s": device.pk},
                               salt=push.ACTION_SALT)
    assert push.notification_for_token(mismatched) is None
    # A token made before tokens named their device acts no more.
    unbound = signing.dumps({"n": str(mine.pk), "u": str(user.pk)}, salt=push.ACTION_SALT)
    assert push.notification_for_token(unbound) is None


def test_gone_subscription_is_deleted_and_the_reminder_fails_with_a_reason(
        client, user, push_service, browser_keys):
    client.force_login(user)
    _subscribe(client, push_service, browser_keys)
    push_service.gone.add("alice-phone")
    reminder = Notification.objects.create(user=user, title="Take bisoprolol",
                                           channel=Notification.Channel.PUSH,
                                           scheduled_at=timezone.now())
    delivery.deliver_due()
    assert not PushSubscription.objects.exists()
    reminder.refresh_from_db()
    assert reminder.status == Notification.Status.FAILED
    assert "subscribed" in reminder.error


def test_one_gone_device_does_not_stop_the_others(client, user, push_service, browser_keys):
    client.force_login(user)
    _subscribe(client, push_service, browser_keys, "old-laptop")
    _subscribe(client, push_service, browser_keys, "phone")
    push_service.gone.add("old-laptop")
    Notification.objects.create(user=user, title="Walk", channel=Notification.Channel.PUSH,
                                scheduled_at=timezone.now())
    assert delivery.deliver_due() == 1
    assert [m.subscription for m in push_service.messages] == ["phone"]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        push_service.endpoint("phone")
    ]


def test_push_waits_for_the_end_of_quiet_hours(client, user, push_service, browser_keys):
    client.force_login(user)
    _subscribe(client, push_service, browser_keys)
    now = timezone.now().astimezone(user.zone)
    NotificationPreference.objects.create(
        user=user, quiet_hours_start=(now - timedelta(hours=1)).time(),
        quiet_hours_end=(now + timedelta(hours=1)).time(),
    )
    Notification.objects.create(user=user, title="Walk", channel=Notification.Channel.PUSH,
                                scheduled_at=timezone.now())
    assert delivery.deliver_due() == 0
    assert push_service.messages == []


def test_subscribe_needs_csrf_and_a_valid_https_endpoint(client, user, settings, browser_keys):
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    body = {"endpoint": PUBLIC_ENDPOINT,
            "keys": {"p256dh": browser_keys["p256dh"], "auth": browser_keys["auth_b64"]}}
    url = reverse("notifications:push_subscribe")
    assert csrf_client.post(url, json.dumps(body),
                            content_type="application/json").status_code == 403

    client.force_login(user)
    for bad in [{**body, "endpoint": "http://127.0.0.1:6379/"},
                {**body, "endpoint": "file:///etc/passwd"}, {"endpoint": body["endpoint"]},
                [1, 2]]:
        assert client.post(url, json.dumps(bad), content_type="application/json"
                           ).status_code == 400
    assert client.post(url, b"{not json", content_type="application/json").status_code == 400
    assert client.post(url, json.dumps(body), content_type="application/json"
                       ).status_code == 201
    assert PushSubscription.objects.for_user(user).count() == 1


def test_unsubscribe_removes_only_my_subscription(client, user, other_user):
    PushSubscription.objects.create(user=other_user, endpoint="https://push.example.com/bob",
                                    p256dh="x", auth="y")
    client.force_login(user)
    answer = client.post(reverse("notifications:push_unsubscribe"),
                         json.dumps({"endpoint": "https://push.example.com/bob"}),
                         content_type="application/json")
    assert answer.json() == {"removed": 0}
    assert PushSubscription.objects.count() == 1


def test_vapid_key_is_made_once_and_private(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    vapid._load.cache_clear()
    first = vapid.public_key()
    mode = stat.S_IMODE(vapid.key_file().stat().st_mode)
    vapid._load.cache_clear()
    assert vapid.public_key() == first, "the key survives a restart"
    assert mode == 0o600
    vapid._load.cache_clear()


def test_preferences_page_offers_push_and_the_public_key(client, user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    vapid._load.cache_clear()
    client.force_login(user)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    assert f'data-public-key="{vapid.public_key()}"' in page.text
    assert '<option value="push"' in page.text
    vapid._load.cache_clear()


@pytest.mark.parametrize("endpoint", [
    "https://localhost/push/x",  # a name that resolves to 127.0.0.1
    "https://127.0.0.1:6379/",
    "https://10.0.0.5/push",
    "https://192.168.1.1/admin",
    "https://100.64.0.1/",  # carrier-grade NAT
    "https://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
    "https://224.0.0.1/",
    "https://0.0.0.0/",
    "https://[::1]/push",
    "https://[fd00::1]/push",
    "https://[fe80::1]/push",
    "https://[::ffff:127.0.0.1]/push",
    "https://user:secret@142.250.74.10/push",
    "http://142.250.74.10/push",  # plain http, even to a public address
    "https://no-such-host.invalid/push",
])
def test_subscribe_refuses_anything_but_a_public_https_endpoint(client, user, browser_keys,
                                                                endpoint):
    client.force_login(user)
    body = {"endpoint": endpoint,
            "keys": {"p256dh": browser_keys["p256dh"], "auth": browser_keys["auth_b64"]}}
    answer = client.post(reverse("notifications:push_subscribe"), json.dumps(body),
                         content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {"error": "This push service address is not accepted."}
    assert not PushSubscription.objects.exists()


def test_subscribe_refuses_the_local_push_service_under_another_name(
        client, user, push_service, browser_keys):
    """The tests' push service is allowed as 127.0.0.1:<port>; "localhost" names the same
    address and is refused like any other name of a loopback address."""
    client.force_login(user)
    body = {"endpoint": f"http://localhost:{push_service.port}/push/alice",
            "keys": {"p256dh": browser_keys["p256dh"], "auth": browser_keys["auth_b64"]}}
    answer = client.post(reverse("notifications:push_subscribe"), json.dumps(body),
                         content_type="application/json")
    assert answer.status_code == 400
    assert not PushSubscription.objects.exists()


def test_an_endpoint_that_resolves_to_loopback_at_send_time_gets_nothing(
        user, push_service, browser_keys):
    """Checked at subscribe time is not enough: DNS may point the name elsewhere later. A
    row whose host now resolves to 127.0.0.1 is not posted to, and is dropped."""
    PushSubscription.objects.create(
        user=user, endpoint=f"http://localhost:{push_service.port}/push/alice",
        p256dh=browser_keys["p256dh"], auth=browser_keys["auth_b64"])
    reminder = Notification.objects.create(user=user, title="Take bisoprolol",
                                           channel=Notification.Channel.PUSH,
                                           scheduled_at=timezone.now())
    delivery.deliver_due()
    assert push_service.messages == []
    assert not PushSubscription.objects.exists()
    reminder.refresh_from_db()
    assert reminder.status == Notification.Status.FAILED


def test_a_redirect_from_the_push_service_is_not_followed(client, user, push_service,
                                                         browser_keys):
    client.force_login(user)
    _subscribe(client, push_service, browser_keys, "alice-phone")
    push_service.redirects["alice-phone"] = push_service.endpoint("internal")
    reminder = Notification.objects.create(user=user, title="Take bisoprolol",
                                           channel=Notification.Channel.PUSH,
                                           scheduled_at=timezone.now())
    delivery.deliver_due()
    assert push_service.messages == [], "the message must not reach the redirect's target"
    reminder.refresh_from_db()
    assert reminder.status == Notification.Status.PENDING  # retried later, like any refusal
    assert reminder.error == ("PushFailed: The push service did not accept the message "
                              "(HTTP 307).")


def test_the_push_services_answer_is_not_stored_or_shown(client, user, push_service,
                                                        browser_keys):
    client.force_login(user)
    _subscribe(client, push_service, browser_keys, "alice-phone")
    push_service.answers["alice-phone"] = (403, "<html>internal admin console: token=s3cr3t")
    reminder = Notification.objects.create(user=user, title="Take bisoprolol",
                                           channel=Notification.Channel.PUSH,
                                           scheduled_at=timezone.now())
    delivery.deliver_due()
    reminder.refresh_from_db()
    assert "s3cr3t" not in reminder.error and "console" not in reminder.error
    assert reminder.error == ("PushFailed: The push service did not accept the message "
                              "(HTTP 403).")
    page = client.get(reverse("notifications:index"))
    assert "s3cr3t" not in page.text


def test_subscriptions_per_account_are_capped_the_oldest_replaced(client, user, push_service,
                                                                 browser_keys):
    client.force_login(user)
    for number in range(push.MAX_SUBSCRIPTIONS + 3):
        assert _subscribe(client, push_service, browser_keys, f"device-{number}"
                          ).status_code == 201
    kept = set(PushSubscription.objects.for_user(user).values_list("endpoint", flat=True))
    assert len(kept) == push.MAX_SUBSCRIPTIONS
    assert push_service.endpoint("device-0") not in kept
    assert push_service.endpoint(f"device-{push.MAX_SUBSCRIPTIONS + 2}") in kept


def test_a_placeholder_vapid_subject_sends_nothing_and_tells_the_admin(
        client, user, push_service, browser_keys, settings, admin_client):
    client.force_login(user)
    _subscribe(client, push_service, browser_keys)
    settings.VAPID_SUBJECT = ""
    settings.DEFAULT_FROM_EMAIL = "Anamnesis <anamnesis@localhost>"
    reminder = Notification.objects.create(user=user, title="Take bisoprolol",
                                           channel=Notification.Channel.PUSH,
                                           scheduled_at=timezone.now())
    delivery.deliver_due()
    assert push_service.messages == []
    reminder.refresh_from_db()
    assert reminder.status == Notification.Status.FAILED
    assert "VAPID_SUBJECT" in reminder.error

    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "notifications.W001" in out.getvalue()
    page = admin_client.get(reverse("admin:notifications_notification_changelist"))
    assert "VAPID subject “mailto:anamnesis@localhost” is a placeholder" in page.text

    settings.VAPID_SUBJECT = "mailto:ops@health.example.net"
    assert vapid.placeholder_subject() == "mailto:ops@health.example.net"
    settings.VAPID_SUBJECT = "mailto:ops@health.family-doe.org"
    assert vapid.placeholder_subject() == ""


def test_a_dripping_push_endpoint_holds_the_delivery_only_for_its_deadline(
        client, user, push_service, browser_keys, monkeypatch):
    """A server that answers one byte every half second never trips a read timeout; the
    deadline of the whole post ends it, so one user's endpoint cannot hold a worker."""
    import time

    monkeypatch.setattr(push, "DEVICE_SECONDS", 2)
    client.force_login(user)
    _subscribe(client, push_service, browser_keys, "slow-phone")
    push_service.dripping.add("slow-phone")
    reminder = Notification.objects.create(user=user, title="Take bisoprolol",
                                           channel=Notification.Channel.PUSH,
                                           scheduled_at=timezone.now())
    started = time.monotonic()
    delivery.deliver_due()
    took = time.monotonic() - started
    assert took < 6, f"the push took {took:.1f} s"
    reminder.refresh_from_db()
    assert reminder.status == Notification.Status.PENDING  # retried later
    assert reminder.error.startswith("PushFailed: ")
