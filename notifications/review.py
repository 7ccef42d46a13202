"""The proactive daily review: the model reads the user's memory and recent documents and
proposes reminders, which become `ai_generated` notifications unless one like it exists."""

import json
import logging
from datetime import datetime, timedelta

from constance import config
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from chats import budget, llm

from . import reminders
from .models import Notification, NotificationPreference

log = logging.getLogger(__name__)

MAX_REMINDERS = 5
RECENT_DOCUMENTS = timedelta(days=60)
PROPOSE_TOOL = {
    "name": "propose_reminders",
    "description": "Propose the reminders that would genuinely help this person. "
    "An empty list is a fine answer.",
    "input_schema": {
        "type": "object",
        "properties": {
            "reminders": {
                "type": "array",
                "maxItems": MAX_REMINDERS,
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string",
                                  "description": "Short, in the user's language."},
                        "body": {"type": "string", "description": "Why, in one or two sentences."},
                        "at": {"type": "string",
                               "description": "Local date and time, ISO 8601 (YYYY-MM-DDTHH:MM)."},
                        "recurrence": {"type": "string",
                                       "description": "Cron expression in local time, or empty."},
                    },
                    "required": ["title", "at"],
                },
            }
        },
        "required": ["reminders"],
    },
}


def queue_due_reviews(now: datetime | None = None) -> int:
    """Queues a review for each user whose local review hour has come and who had none today.

    The date is claimed with a conditional UPDATE, so a user is reviewed once a day even
    when the schedule runs on several workers.
    """
    from django_q.tasks import async_task

    from accounts.models import User

    now = now or timezone.now()
    queued = 0
    users = User.objects.filter(is_active=True).exclude(notification_preference__daily_review=False)
    for user in users.iterator():
        local = now.astimezone(user.zone)
        if local.hour != config.daily_review_hour:
            continue
        preference = NotificationPreference.for_user(user)
        claimed = NotificationPreference.objects.filter(
            Q(last_review_on__isnull=True) | Q(last_review_on__lt=local.date()), pk=preference.pk
        ).update(last_review_on=local.date())
        if claimed:
            async_task("notifications.tasks.review_user", user.pk)
            queued += 1
    return queued


def review_user_by_id(user_id) -> int:
    from accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    return len(review(user)) if user else 0


def review(user) -> list[Notification]:
    """Asks the model once and creates the new reminders it proposes."""
    if not llm.is_configured():
        return []
    if not NotificationPreference.for_user(user).daily_review:
        return []
    if budget.is_reached(user):  # the month's token budget is used up: no review today
        return []
    try:
        answer = llm.ask_for_tool(user, "review", PROPOSE_TOOL, system=_system_prompt(user),
                                  content=_facts(user), max_tokens=1500)
    except llm.NoToolAnswer:
        answer = {}
    proposals = answer.get("reminders") or []
    return _create(user, proposals[:MAX_REMINDERS])


def _create(user, proposals) -> list[Notification]:
    zone = user.zone
    existing = {
        _key(title) for title in Notification.objects.for_user(user).filter(
            Q(status=Notification.Status.PENDING) | ~Q(recurrence="")
        ).values_list("title", flat=True)
    }
    created = []
    for proposal in proposals:
        if not isinstance(proposal, dict):
            continue
        title = str(proposal.get("title") or "").strip()
        if not title or _key(title) in existing:
            continue
        try:
            at = datetime.fromisoformat(str(proposal.get("at") or ""))
            at = at if at.tzinfo else at.replace(tzinfo=zone)
            notification = reminders.create(
                user, title=title, body=str(proposal.get("body") or ""), scheduled_at=at,
                recurrence=str(proposal.get("recurrence") or ""),
                type=Notification.Type.AI_GENERATED, metadata={"source": "daily_review"},
            )
        except (ValueError, ValidationError) as error:
            log.info("Skipping a proposed reminder for %s: %s", user.pk, error)
            continue
        existing.add(_key(title))
        created.append(notification)
    return created


def _key(title: str) -> str:
    return " ".join(title.casefold().split())


def _system_prompt(user) -> str:
    local = timezone.now().astimezone(user.zone)
    language = user.model_language
    return (
        "You are the proactive side of a personal health assistant. Look at what is known "
        "about this person and propose at most a few reminders that would clearly help "
        "(medication times, follow-up tests, appointments implied by documents). Do not "
        "repeat reminders that already exist. Never invent facts. "
        f"Write titles and texts in {language}. The user's timezone is {user.zone.key}; "
        f"now is {local:%Y-%m-%d %H:%M} there. Times you give are local times in the future."
    )


def _facts(user) -> str:
    from documents.models import Document
    from memory.models import MemoryEntry

    memory = [
        {"category": e.category, "importance": e.importance, "title": e.title,
         "content": e.content[:500]}
        for e in MemoryEntry.objects.for_user(user).filter(is_active=True).order_by("-updated")[:60]
    ]
    documents = [
        {"file": d.filename, "type": d.doc_type, "date": str(d.document_date or ""),
         "findings": (d.metadata or {}).get("findings", "")}
        for d in Document.objects.for_user(user)
        .filter(created__gte=timezone.now() - RECENT_DOCUMENTS).order_by("-created")[:20]
    ]
    existing = [
        {"title": n.title, "when": n.scheduled_at.isoformat() if n.scheduled_at else "",
         "recurrence": n.recurrence}
        for n in Notification.objects.for_user(user)
        .filter(Q(status=Notification.Status.PENDING) | ~Q(recurrence=""))[:50]
    ]
    return json.dumps(
        {"memory": memory, "recent_documents": documents, "existing_reminders": existing},
        ensure_ascii=False, default=str,
    )
