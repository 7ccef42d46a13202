"""A share link for a doctor: what the owner chose to show, until when, behind an optional
passcode, and every opening of it.

The address's token is never stored, only its SHA-256 (`token_hash`): the database alone
cannot open a link. The passcode is kept as Django keeps passwords (`passcode_hash`)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.ownership import OwnedQuerySet


class ShareLink(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="share_links")
    label = models.CharField(_("for whom"), max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    passcode_hash = models.CharField(max_length=200, blank=True, editable=False)
    summary = models.BooleanField(_("summary"), default=True)
    medications = models.BooleanField(_("medications"), default=True)
    conditions = models.BooleanField(_("allergies and conditions"), default=True)
    labs = models.BooleanField(_("lab results"), default=False)
    documents = models.ManyToManyField("documents.Document", blank=True, related_name="+",
                                       verbose_name=_("documents"))
    expires = models.DateTimeField(_("expires"))
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created"]

    def __str__(self):
        return self.label or str(self.created)

    def state(self, now=None) -> str:
        if self.revoked:
            return self.State.REVOKED
        if self.expires <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.ACTIVE

    def get_state_display(self) -> str:
        return self.State(self.state()).label

    @property
    def has_passcode(self) -> bool:
        return bool(self.passcode_hash)


class ShareOpening(models.Model):
    """One opening of a link: the page, its PDF or one of its documents."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Page")
        PDF = "pdf", _("PDF")
        DOCUMENT = "document", _("Document")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="openings")
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices, default=Kind.PAGE)
    detail = models.CharField(_("detail"), max_length=255, blank=True)  # a document's name
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created = models.DateTimeField(_("opened"), default=timezone.now)

    class Meta:
        verbose_name = _("opening of a share link")
        verbose_name_plural = _("openings of share links")
        ordering = ["-created"]
        indexes = [models.Index(fields=["link", "-created"])]

    def __str__(self):
        return f"{self.kind} {self.created:%Y-%m-%d %H:%M}"
