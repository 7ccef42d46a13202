from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from . import text_match

        user_logged_out.connect(_forget_switch_grants, dispatch_uid="accounts.forget_grants")
        text_match.connect()


def _forget_switch_grants(sender, request, **kwargs):
    """A full sign-out (the menu's, allauth's, an expired session's) ends this browser's
    account switcher too; a side effect of signing out, hence a signal."""
    if request is not None and hasattr(request, "session"):
        from .switching import forget_browser

        forget_browser(request)
