"""The optional email digest: coming up and missed, at the user's hour, once."""

from datetime import UTC, datetime, timedelta

import pytest
from constance.test.pytest import override_config

from notifications import digest
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 7, 5, tzinfo=UTC)  # a Monday, 07:05 UTC


def test_daily_digest_lists_coming_and_missed_once(user, smtp_server):
    NotificationPreference.objects.create(user=user, digest="daily")
    Notification.objects.create(user=user, title="Evening pills", scheduled_at=NOW + timedelta(hours=12))
    Notification.objects.create(user=user, title="Next month", scheduled_at=NOW + timedelta(days=30))
    Notification.objects.create(user=user, title="Unread yesterday", status="sent",
                                scheduled_at=NOW - timedelta(hours=5), sent_at=NOW)
    with override_config(daily_review_hour=7):
        assert digest.send_due_digests(NOW) == 1
        assert digest.send_due_digests(NOW + timedelta(minutes=15)) == 0
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert "Evening pills" in text and "Unread yesterday" in text and "Next month" not in text


def test_weekly_digest_only_on_mondays(user, smtp_server):
    NotificationPreference.objects.create(user=user, digest="weekly")
    Notification.objects.create(user=user, title="Thursday test", scheduled_at=NOW + timedelta(days=3))
    with override_config(daily_review_hour=7):
        assert digest.send_due_digests(NOW + timedelta(days=1)) == 0  # Tuesday
        assert digest.send_due_digests(NOW) == 1
    assert "Thursday test" in smtp_server.messages[0].get_body(("plain",)).get_content()


def test_no_digest_when_off_or_nothing_to_say(user, make_user, smtp_server):
    quiet = make_user("quiet@example.com")
    NotificationPreference.objects.create(user=quiet, digest="daily")
    Notification.objects.create(user=user, title="Pills", scheduled_at=NOW + timedelta(hours=1))
    with override_config(daily_review_hour=7):
        assert digest.send_due_digests(NOW) == 0
    assert smtp_server.messages == []


def test_a_digest_whose_send_failed_is_sent_by_a_later_pass_of_the_day(user, make_user,
                                                                      smtp_server):
    """Before, the day was claimed before sending: a refused connection lost it, and the
    exception stopped the pass for every user after this one."""
    import socket

    other = make_user("other@example.com")
    for owner in (user, other):
        NotificationPreference.objects.create(user=owner, digest="daily")
        Notification.objects.create(user=owner, title="Evening pills",
                                    scheduled_at=NOW + timedelta(hours=12))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the connection is refused
    with override_config(daily_review_hour=7):
        with override_config(smtp_url=f"smtp://127.0.0.1:{port}"):
            assert digest.send_due_digests(NOW) == 0
        assert smtp_server.messages == []
        # The mail server is back: the next pass (every 15 minutes) sends both, once.
        assert digest.send_due_digests(NOW + timedelta(minutes=15)) == 2
        assert digest.send_due_digests(NOW + timedelta(minutes=30)) == 0
    assert sorted(message["To"] for message in smtp_server.messages) == [
        "alice@example.com", "other@example.com"]
