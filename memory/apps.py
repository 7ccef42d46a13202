from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemoryConfig(AppConfig):
    name = "memory"
    verbose_name = _("Memory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The assistant's registries (chats) are filled here: this app's tools, and what
        # it adds to every turn's system prompt.
        from chats.assistant import providers

        from . import actions, context, tools  # noqa: F401  (tools.py registers its tools)

        actions.register()

        providers.register(providers.Provider("memory", 40, stable=True,
                                              blocks=context.memory_blocks))
