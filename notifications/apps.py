from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import scheduled_backups
        from memory import hooks

        from . import actions, admin_notices, medication_reminders, tools  # noqa: F401  (tools register themselves)

        actions.register()

        # A medication's reminders follow its schedule; missed doses get an in-app nudge.
        hooks.listen(hooks.medication_changed, medication_reminders.sync)
        hooks.listen(hooks.doses_missed, medication_reminders.nudge_missed)
        # A scheduled backup that failed: the administrators are told in the app and by email.
        scheduled_backups.on_failure(admin_notices.backup_failed)
