"""Notices to the administrators about the instance itself: a scheduled backup that failed
(accounts/scheduled_backups.py tells its listeners; this app registers in its ready())."""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locale import user_language
from accounts.models import User

from . import reminders
from .models import Notification


def administrators():
    return User.objects.filter(role=User.Role.ADMIN, is_active=True)


def backup_failed(reason: str) -> list[Notification]:
    """Each active administrator gets the failure in the app and by email."""
    created = []
    for admin in administrators():
        with user_language(admin):
            title = _("The scheduled backup failed")
            body = _("The daily backup could not be written: %(reason)s\nThe previous backups "
                     "are kept. Check the disk space or the S3 bucket, then run "
                     "“manage.py backup” by hand.") % {"reason": reason}
        for channel in (Notification.Channel.IN_APP, Notification.Channel.EMAIL):
            created.append(reminders.create(
                admin, title=title, body=body, channel=channel, type=Notification.Type.ALERT,
                metadata={"kind": "backup_failed", "at": timezone.now().isoformat()},
            ))
    return created
