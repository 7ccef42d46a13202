"""Making, finding, unlocking and revoking share links, and logging their openings.

The token (`secrets.token_urlsafe(32)`, 43 characters) is given to the owner once, when
the link is made; only its SHA-256 is kept, so a link is found by hashing what the
visitor brings. The passcode is hashed with Django's password hashers."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from accounts.proxies import client_ip
from documents.models import Document

from .models import ShareLink, ShareOpening

MIN_DURATION = timedelta(hours=1)
MAX_DURATION = timedelta(days=30)
DURATIONS = {  # the choices of the form, in hours
    1: timedelta(hours=1), 24: timedelta(days=1), 72: timedelta(days=3),
    168: timedelta(days=7), 720: timedelta(days=30),
}
MAX_USER_AGENT = 300


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user, *, duration: timedelta, label: str = "", summary=True, medications=True,
           conditions=True, labs=False, document_ids=(), passcode: str = "",
           now=None) -> tuple[ShareLink, str]:
    """The new link and its token (the only time the token exists in clear)."""
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise ValueError("a share link lasts from one hour to 30 days")
    token = new_token()
    documents = Document.objects.for_user(user).filter(pk__in=list(document_ids))
    with transaction.atomic():
        link = ShareLink.objects.create(
            user=user, label=label, token_hash=hash_token(token),
            passcode_hash=make_password(passcode) if passcode else "",
            summary=summary, medications=medications, conditions=conditions, labs=labs,
            expires=(now or timezone.now()) + duration)
        link.documents.set(documents)
    return link, token


def find(token: str) -> ShareLink | None:
    """The link of a token, whatever its state; None for a token nobody made."""
    if not token or len(token) > 200:
        return None
    return ShareLink.objects.select_related("user").filter(token_hash=hash_token(token)).first()


def passcode_matches(link: ShareLink, passcode: str) -> bool:
    return bool(link.passcode_hash) and check_password(passcode or "", link.passcode_hash)


def revoke(link: ShareLink) -> None:
    if not link.revoked:
        link.revoked = timezone.now()
        link.save(update_fields=["revoked"])


def shared_documents(link: ShareLink):
    """Only the chosen documents that are still the owner's."""
    return Document.objects.for_user(link.user).filter(pk__in=link.documents.values("pk"))


def log_opening(link: ShareLink, request, kind=ShareOpening.Kind.PAGE, detail="") -> None:
    ShareOpening.objects.create(
        link=link, kind=kind, detail=detail[:255], ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT])
