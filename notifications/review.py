"""The proactive daily review: the model reads the user's memory and recent documents and
proposes reminders, which become suggestions (proposed actions, chats.actions) the user
accepts or dismisses on the notifications page, unless one like it exists."""

import json
import logging
import re
from datetime import datetime, timedelta

from constance import config
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.locale import user_language
from chats import actions, budget, llm
from chats.models import AssistantAction

from . import actions as reminder_actions
from . import live
from .models import Notification, NotificationPreference
from .schedule import is_valid_cron

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
    """Queues a review for each user whose local review hour (their own, else the
    instance's) has come and who had none today.

    The date is claimed with a conditional UPDATE, so a user is reviewed once a day even
    when the schedule runs on several workers.
    """
    from django_q.tasks import async_task

    from accounts.models import User

    now = now or timezone.now()
    queued = 0
    users = (User.objects.filter(is_active=True)
             .exclude(notification_preference__daily_review=False)
             .annotate(own_review_hour=F("notification_preference__review_hour")))
    for user in users.iterator():
        local = now.astimezone(user.zone)
        hour = user.own_review_hour if user.own_review_hour is not None \
            else config.daily_review_hour
        if local.hour != hour:
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


def review(user) -> list[AssistantAction]:
    """Asks the model once and turns the new reminders it proposes into suggestions."""
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
    return _suggest(user, proposals[:MAX_REMINDERS])


def _suggest(user, proposals) -> list[AssistantAction]:
    """Suggestions the user accepts or dismisses (notifications page); with the
    `auto_accept_suggestions` preference an in-app one is accepted at once."""
    zone = user.zone
    preference = NotificationPreference.for_user(user)
    channel = preference.channel_for(Notification.Type.AI_GENERATED)
    existing = [_words(title) for title in not_again(user)]
    local_day = timezone.now().astimezone(zone).date()
    with user_language(user):
        origin = actions.Origin(
            AssistantAction.Origin.REVIEW, local_day.isoformat(),
            _("Daily review of %(day)s") % {"day": formats.date_format(local_day)},
            reverse("notifications:index"),
        )
    made = []
    for proposal in proposals:
        if not isinstance(proposal, dict):
            continue
        title = str(proposal.get("title") or "").strip()
        if not title or any(_alike(_words(title), words) for words in existing):
            continue
        try:
            at = datetime.fromisoformat(str(proposal.get("at") or ""))
            at = at if at.tzinfo else at.replace(tzinfo=zone)
            wanted = reminder_actions.payload(
                title=title, body=str(proposal.get("body") or ""), at=at,
                recurrence=str(proposal.get("recurrence") or ""), channel=channel,
                type=Notification.Type.AI_GENERATED,
            )
            if wanted["recurrence"] and not is_valid_cron(wanted["recurrence"]):
                raise ValidationError("not a cron expression")
            if not wanted["recurrence"] and at < timezone.now():
                raise ValidationError("in the past")
            reminder_actions.check(user, wanted)
            summary = reminder_actions.describe(user, wanted)
            if preference.auto_accept_suggestions and channel == Notification.Channel.IN_APP:
                action = actions.perform(user, reminder_actions.REMINDER, wanted,
                                         summary=summary, origin=origin)
            else:
                action = actions.propose(user, reminder_actions.REMINDER, wanted,
                                         summary=summary, origin=origin)
        except (ValueError, ValidationError) as error:
            log.info("Skipping a proposed reminder for %s: %s", user.pk, error)
            continue
        existing.append(_words(title))
        made.append(action)
    if made:
        live.announce(user.pk)
    return made


RECENTLY_DELIVERED = timedelta(days=30)


def not_again(user) -> list[str]:
    """Titles the review must not propose again: pending and recurring reminders, open
    suggestions, suggestions the user dismissed, and reminders delivered in the last 30
    days."""
    since = timezone.now() - RECENTLY_DELIVERED
    reminders = Notification.objects.for_user(user).filter(
        Q(status=Notification.Status.PENDING) | ~Q(recurrence="") | Q(sent_at__gte=since))
    suggestions = AssistantAction.objects.for_user(user).filter(
        kind=reminder_actions.REMINDER,
        state__in=[AssistantAction.State.PROPOSED, AssistantAction.State.CANCELLED])
    return [*reminders.values_list("title", flat=True)[:500],
            *(str(payload.get("title") or "")
              for payload in suggestions.values_list("payload", flat=True)[:500])]


def _words(title: str) -> frozenset[str]:
    return frozenset(word for word in re.findall(r"\w+", title.casefold()) if len(word) > 2)


def _alike(one: frozenset[str], other: frozenset[str]) -> bool:
    """The same reminder in other words ("Check your blood pressure" and "Blood pressure
    check"): most of their words are shared (Jaccard ≥ 0.6), so "Check your ferritin" is
    another reminder."""
    if not one or not other:
        return one == other
    return len(one & other) / len(one | other) >= 0.6


def _system_prompt(user) -> str:
    local = timezone.now().astimezone(user.zone)
    language = user.model_language
    return (
        "You are the proactive side of a personal health assistant. Look at what is known "
        "about this person and propose at most a few reminders that would clearly help "
        "(medication times, follow-up tests, appointments implied by documents). Do not "
        "propose anything listed in do_not_propose_again, in any wording: those exist, were "
        "dismissed by the person, or were delivered in the last 30 days. Never invent facts. "
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
    return json.dumps(
        {"memory": memory, "recent_documents": documents,
         "do_not_propose_again": not_again(user)[:100]},
        ensure_ascii=False, default=str,
    )
