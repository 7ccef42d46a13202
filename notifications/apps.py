from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import scheduled_backups
        from memory import hooks

        from . import actions, admin_notices, checks, medication_reminders, tools  # noqa: F401  (tools and checks register themselves)

        actions.register()

        # A medication's reminders follow its schedule; missed doses get an in-app nudge.
        hooks.listen(hooks.medication_changed, medication_reminders.sync)
        hooks.listen(hooks.doses_missed, medication_reminders.nudge_missed)
        hooks.listen(hooks.medication_stock_low, medication_reminders.nudge_stock_low)

        # A scheduled backup that failed: the administrators are told in the app and by email.
        scheduled_backups.on_failure(admin_notices.backup_failed)

        # A shared device: the browser's push subscriptions go with the account that made
        # them (signing out, switching or signing in as someone else here).
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        user_logged_out.connect(_signed_out, dispatch_uid="notifications.push_signed_out")
        user_logged_in.connect(_signed_in, dispatch_uid="notifications.push_signed_in")


def _signed_out(sender, request, **kwargs):
    from . import push

    push.forget_browser(request)


def _signed_in(sender, request, user, **kwargs):
    from . import push

    push.forget_browser(request, keep_user=user)
