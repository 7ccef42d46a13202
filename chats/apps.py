from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    name = "chats"
    verbose_name = _("Chats")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import tool_registry

        tool_registry.autodiscover()
