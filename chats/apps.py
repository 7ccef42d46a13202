from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    name = "chats"
    verbose_name = _("Chats")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The feature apps register their tools and context providers in their own
        # ready(); chats registers only the prompt layers of SPEC §6 steps 1-3.
        from .assistant import context, providers

        providers.register(providers.Provider("layers", 10, providers.SYSTEM,
                                              blocks=context.layer_blocks))
