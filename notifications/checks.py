"""System checks of the notifications: what the administrator must set for a channel to
work, said by `manage.py check` (and so at every `make run` and compose start)."""

from django.core import checks

from . import vapid


@checks.register(checks.Tags.compatibility)
def vapid_subject(app_configs=None, **kwargs):
    if value := vapid.placeholder_subject():
        return [checks.Warning(
            "Web Push is off: " + vapid.SUBJECT_PROBLEM % value, id="notifications.W001",
        )]
    return []
