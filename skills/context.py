"""Context files (primary and personal): reading them and saving with a kept history."""

from django.db import transaction
from django.db.models import Q

from .models import ContextFile, ContextFileVersion


def primary_context() -> ContextFile | None:
    return ContextFile.objects.filter(type=ContextFile.Type.PRIMARY, user__isnull=True).first()


def personal_context(user) -> ContextFile | None:
    return ContextFile.objects.filter(type=ContextFile.Type.PERSONAL, user=user).first()


def layers(user) -> tuple[ContextFile | None, ContextFile | None]:
    """The primary and the user's personal context, in one query (read every turn)."""
    primary = personal = None
    for context_file in ContextFile.objects.filter(
        Q(type=ContextFile.Type.PRIMARY, user__isnull=True)
        | Q(type=ContextFile.Type.PERSONAL, user=user)
    ):
        if context_file.type == ContextFile.Type.PRIMARY:
            primary = context_file
        else:
            personal = context_file
    return primary, personal


@transaction.atomic
def save_context(context_file: ContextFile, content: str, updated_by=None) -> ContextFile:
    """Stores new content; the previous content is kept as a version. No change, no version."""
    content = content.replace("\r\n", "\n")
    if not context_file._state.adding:
        current = ContextFile.objects.select_for_update().get(pk=context_file.pk)
        if current.content == content:
            return current
        ContextFileVersion.objects.create(
            context_file=current, version=current.version, content=current.content,
            updated_by=current.updated_by,
        )
        context_file = current
        context_file.version = current.version + 1
    context_file.content = content
    context_file.updated_by = updated_by
    context_file.save()
    return context_file


def save_personal_context(user, content: str) -> ContextFile:
    context_file = personal_context(user) or ContextFile(type=ContextFile.Type.PERSONAL, user=user)
    return save_context(context_file, content, updated_by=user)


def restore_version(version: ContextFileVersion, updated_by=None) -> ContextFile:
    """Makes an old version current again (as a new version, so nothing is lost)."""
    return save_context(version.context_file, version.content, updated_by=updated_by)
