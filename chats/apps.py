from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    name = "chats"
    verbose_name = _("Chats")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The feature apps register their tools and context providers in their own
        # ready(); chats registers only the prompt layers of SPEC §6 steps 1-3.
        from django.contrib.auth import get_user_model

        from skills.models import ContextFile, Skill

        from .assistant import context, providers

        # Kept between turns until a context file, a skill or the user (language,
        # timezone) is saved: assistant/context_cache.py.
        providers.register(providers.Provider("layers", 10, providers.SYSTEM,
                                              blocks=context.layer_blocks,
                                              sources=(ContextFile, Skill, get_user_model())))
