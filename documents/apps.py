from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The assistant's registries (chats) are filled here: this app's tools, and what
        # it adds to the user turn of every message.
        from accounts import backup
        from chats.assistant import providers
        from memory import hooks

        from . import (  # noqa: F401  (tools register themselves)
            actions,
            attachments,
            context,
            search,
            suggested_questions,
            timeline_source,
            tools,
        )

        actions.register()
        suggested_questions.register()
        attachments.register()  # files attached in a chat become documents

        providers.register(providers.Provider("documents", 50, providers.TURN,
                                              blocks=context.excerpt_blocks))
        providers.register(providers.Provider("lab-values", 55, providers.TURN,
                                              blocks=context.lab_value_blocks))
        # Documents and lab results on the health timeline.
        hooks.listen(hooks.timeline_sources, timeline_source.timeline_events)
        # A restore loads the rows; the search index is built from them again.
        backup.on_restore(search.rebuild_index)
