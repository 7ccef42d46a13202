"""What a letter says should happen next (“repeat Holter in three months”, “контроль ОАК
через 2 недели”): the follow-ups of a document's facts, each proposed as a one-off
reminder the user confirms (issue 24).

The model reads each follow-up as written (`when_text`) with its interval (a count and a
unit) or a date printed in the document; the due date is computed here, from the document's
date — the upload day when the document has none, and the card says so. The reminder is
due at 09:00 in the user's timezone on that day. One already past is still proposed,
marked overdue, and reminds at once when confirmed.

The proposal is an action of the notifications' reminder kind (`notifications.reminder`,
registered by notifications, which sits above documents: the payload below is the shape of
`notifications.actions.payload`), from the document, so Confirm creates the reminder and
Undo removes it. A document processed again proposes nothing twice.
"""

import calendar
import datetime
import re

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.locale import user_language, zone_of
from chats import actions
from chats.models import AssistantAction

from .models import Document

REMINDER = "notifications.reminder"  # notifications.actions.REMINDER
UNITS = ("days", "weeks", "months", "years")
MAX_COUNT = {"days": 3660, "weeks": 520, "months": 120, "years": 10}
MAX_FOLLOW_UPS = 20
HOUR = datetime.time(9, 0)  # the reminder's local time on the due day

SCHEMA = {
    "type": "array",
    "description": "What the document says should happen next (a repeat test, a "
    "check-up, a visit), each with when it should happen as written.",
    "items": {
        "type": "object",
        "properties": {
            "what": {"type": "string", "description": "What to do, in the document's "
                     "language, e.g. 'Repeat Holter monitoring'."},
            "when_text": {"type": ["string", "null"],
                          "description": "When, as written, e.g. 'in three months'."},
            "due_in_count": {"type": ["integer", "null"],
                             "description": "The interval's number: 3 for 'in three months'."},
            "due_in_unit": {"type": ["string", "null"], "enum": [*UNITS, None]},
            "due_date": {"type": ["string", "null"],
                         "description": "YYYY-MM-DD, only when the document prints a date."},
        },
        "required": ["what"],
    },
}


def _text(value, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, (str, int, float)) \
        and not isinstance(value, bool) else ""


def _date(value) -> datetime.date | None:
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", str(value or "").strip())
    if not match:
        return None
    try:
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        return None


def clean(items) -> list[dict]:
    """The follow-ups as the model gave them (or as stored), trimmed to plain values."""
    cleaned = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not (what := _text(item.get("what"), 300)):
            continue
        count, unit = item.get("due_in_count"), item.get("due_in_unit")
        valid = isinstance(count, int) and not isinstance(count, bool) and unit in UNITS \
            and 0 <= count <= MAX_COUNT[unit]
        due_date = _date(item.get("due_date"))
        row = {"what": what, "when_text": _text(item.get("when_text"), 200),
               "due_in_count": count if valid else None, "due_in_unit": unit if valid else None,
               "due_date": due_date.isoformat() if due_date else None}
        # What dated() computed, kept when the facts are stored again (a correction).
        if _date(item.get("due")) and item.get("basis") in ("document", "upload"):
            row["due"], row["basis"] = item["due"], item["basis"]
        cleaned.append(row)
    return cleaned[:MAX_FOLLOW_UPS]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def due_from(base: datetime.date, item: dict) -> datetime.date | None:
    """The due day: the printed date, else `base` plus the interval; None without either."""
    if item.get("due_date"):
        return _date(item["due_date"])
    count, unit = item.get("due_in_count"), item.get("due_in_unit")
    if count is None or unit not in UNITS:
        return None
    try:
        if unit == "days":
            return base + datetime.timedelta(days=count)
        if unit == "weeks":
            return base + datetime.timedelta(weeks=count)
        return add_months(base, count * (12 if unit == "years" else 1))
    except (OverflowError, ValueError):
        return None


def base_date(document: Document) -> tuple[datetime.date, str]:
    """The day intervals count from: the document's date, else the day it was uploaded."""
    if document.document_date:
        return document.document_date, "document"
    return timezone.localtime(document.created, zone_of(document.user)).date(), "upload"


def dated(document: Document, items: list[dict]) -> list[dict]:
    """Each follow-up with its due day (`due`, ISO) and what it counts from (`basis`)."""
    base, basis = base_date(document)
    out = []
    for item in items:
        due = due_from(base, item)
        row = {key: value for key, value in item.items() if key not in ("due", "basis")}
        if due is not None:
            row["due"] = due.isoformat()
            row["basis"] = "upload" if basis == "upload" and not item.get("due_date") \
                else "document"
        out.append(row)
    return out


def key(what: str) -> str:
    return " ".join(str(what).split()).casefold()


def _origin(document: Document) -> actions.Origin:
    return actions.Origin(AssistantAction.Origin.DOCUMENT, str(document.pk),
                          document.filename[:200],
                          reverse("documents:detail", args=[document.pk]))


def _mine(document: Document):
    return AssistantAction.objects.for_user(document.user).filter(
        kind=REMINDER, origin=AssistantAction.Origin.DOCUMENT, origin_id=str(document.pk))


def is_overdue(due: datetime.date, user) -> bool:
    return due < timezone.localtime(timezone.now(), zone_of(user)).date()


def payload(document: Document, item: dict) -> dict:
    """A one-off reminder at 09:00 local on the due day (notifications.actions.payload's
    shape; the channel is the user's choice for reminders). `if_past`: one already due
    when confirmed reminds at once."""
    due = datetime.date.fromisoformat(item["due"])
    at = datetime.datetime.combine(due, HOUR, tzinfo=zone_of(document.user))
    quoted = f"“{item['when_text']}”" if item.get("when_text") else ""
    return {"title": item["what"][:200],
            "body": " — ".join(part for part in (document.filename, quoted) if part),
            "at": at.isoformat(), "recurrence": "", "channel": "", "type": "reminder",
            "if_past": "now", "follow_up": key(item["what"]), "due": item["due"],
            "basis": item["basis"], "when_text": item.get("when_text") or "",
            "document": str(document.pk)}


def describe(document: Document, data: dict) -> str:
    due = datetime.date.fromisoformat(data["due"])
    with user_language(document.user):
        values = {"what": data["title"], "date": formats.date_format(due, "DATE_FORMAT")}
        if is_overdue(due, document.user):
            return _("Follow-up, overdue since %(date)s: %(what)s") % values
        return _("Follow-up on %(date)s: %(what)s") % values


def propose(document: Document, items: list[dict]) -> list[AssistantAction]:
    """A reminder proposed for each dated follow-up not proposed from this document before
    (in whatever state: one the user dismissed is not proposed again)."""
    known = {str((action.payload or {}).get("follow_up", "")) for action in _mine(document)}
    proposed = []
    for item in items:
        if not item.get("due") or key(item["what"]) in known:
            continue
        data = payload(document, item)
        proposed.append(actions.propose(document.user, REMINDER, data,
                                        summary=describe(document, data),
                                        origin=_origin(document)))
        known.add(data["follow_up"])
    return proposed


def cards(document: Document) -> list[dict]:
    """The follow-ups of the document as its page shows them: each proposal with its due
    day, whether it is overdue and its action card; follow-ups without a date as text."""
    found = list(_mine(document).order_by("created")[:MAX_FOLLOW_UPS])
    shown = []
    for action in found:
        data = action.payload or {}
        due = _date(data.get("due"))
        shown.append({
            "what": data.get("title", ""), "when_text": data.get("when_text", ""),
            "due": due, "overdue": bool(due) and is_overdue(due, document.user)
            and action.state == AssistantAction.State.PROPOSED,
            "from_upload": data.get("basis") == "upload",
            "action": {**actions.card(action), "undoable": actions.can_undo(action),
                       "error": action.error},
        })
    proposed = {card["what"] and key(card["what"]) for card in shown}
    for item in (document.metadata or {}).get("follow_ups") or []:
        if not item.get("due") and key(item.get("what", "")) not in proposed:
            shown.append({"what": item.get("what", ""), "when_text": item.get("when_text", ""),
                          "due": None, "overdue": False, "from_upload": False, "action": None})
    return shown
