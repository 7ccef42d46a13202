from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemoryConfig(AppConfig):
    name = "memory"
    verbose_name = _("Memory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The assistant's registries (chats) are filled here: this app's tools, and what
        # it adds to every turn (the system prompt, and the user turn).
        from chats.assistant import providers

        from . import actions, context, health_actions, tools  # noqa: F401  (tools.py registers its tools)

        actions.register()
        health_actions.register()

        # Kept between turns until one of its sources is saved or deleted (or the user:
        # timezone, language): chats/assistant/context_cache.py.
        providers.register(providers.Provider("memory", 40, providers.SYSTEM,
                                              blocks=context.memory_blocks,
                                              sources=context.SOURCES))
        providers.register(providers.Provider("memory-relevant", 60, providers.TURN,
                                              blocks=context.relevant_memory_blocks))
