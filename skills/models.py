"""Skills (specialist prompts) and the context files layered into every chat."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .icons import DEFAULT_ICON, validate_icon_name


class SkillQuerySet(models.QuerySet):
    def for_user(self, user):
        """The user's own skills (editable)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def available_to(self, user):
        """General skills and the user's own, the ones a chat may use."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(Q(user__isnull=True) | Q(user=user), is_active=True)


class Skill(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="skills", help_text=_("Empty for a general skill."),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    system_prompt = models.TextField(_("system prompt"))
    icon = models.CharField(_("icon"), max_length=60, blank=True, default=DEFAULT_ICON,
                            validators=[validate_icon_name],
                            help_text=_("A Lucide icon name, e.g. “stethoscope”."))
    key = models.SlugField(
        _("key"), max_length=60, unique=True, null=True, blank=True,
        help_text=_("Set for the general specialists installed with Anamnesis, so an update "
                    "can tell them apart; empty for skills written here."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.IntegerField(_("order"), default=0)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = SkillQuerySet.as_manager()

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    @property
    def is_general(self) -> bool:
        return self.user_id is None


class ContextFile(models.Model):
    class Type(models.TextChoices):
        PRIMARY = "primary", _("Primary (administrator)")
        PERSONAL = "personal", _("Personal")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="context_files",
    )
    content = models.TextField(_("content"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("context file")
        verbose_name_plural = _("context files")
        constraints = [
            models.UniqueConstraint(fields=["type", "user"], name="unique_context_per_user"),
            models.UniqueConstraint(
                fields=["type"], condition=Q(user__isnull=True), name="unique_primary_context"
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} v{self.version}"


class ContextFileVersion(models.Model):
    """A previous content of a context file, kept on every save."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    context_file = models.ForeignKey(ContextFile, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    content = models.TextField(_("content"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("context version")
        verbose_name_plural = _("context versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["context_file", "version"], name="unique_context_version"
            )
        ]

    def __str__(self):
        return f"v{self.version}"
