"""The assistant's `schedule_notification` tool: one-time or recurring reminders."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import formats, timezone

from accounts.locale import user_language
from chats.tool_registry import Tool, ToolContext, ToolResult, register

from . import reminders
from .models import Notification


def schedule_notification(context: ToolContext, data: dict) -> ToolResult:
    user = context.user
    zone = user.zone
    at = None
    try:
        if data.get("at"):
            at = datetime.fromisoformat(str(data["at"]))
            at = at if at.tzinfo else at.replace(tzinfo=zone)
        elif data.get("in_minutes") is not None:
            at = timezone.now() + timedelta(minutes=float(data["in_minutes"]))
        elif not data.get("recurrence"):
            return ToolResult(
                "Give `at`, `in_minutes` or `recurrence`: when should the reminder come?",
                is_error=True,
            )
        notification = reminders.create(
            user,
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            scheduled_at=at,
            recurrence=str(data.get("recurrence") or ""),
            channel=str(data.get("channel") or ""),
            metadata={"source": "chat", "chat": str(context.chat.pk) if context.chat else ""},
        )
    except (ValueError, TypeError) as error:
        return ToolResult(f"Could not read the time: {error}", is_error=True)
    except ValidationError as error:
        return ToolResult(" ".join(error.messages), is_error=True)

    local = notification.scheduled_at.astimezone(zone)
    with user_language(user):
        when = formats.date_format(local, "DATETIME_FORMAT")
        channel = Notification.Channel(notification.channel).label
        summary = f"{notification.title} — {when} ({channel})"
    detail = f"every time the schedule `{notification.recurrence}` comes round, starting " \
        if notification.recurrence else ""
    return ToolResult(
        content=(
            f"Scheduled “{notification.title}” {detail}at {local:%Y-%m-%d %H:%M} "
            f"({user.zone.key}) by {notification.channel}. Id {notification.pk}."
        ),
        summary=summary,
        data={
            "id": str(notification.pk), "title": notification.title,
            "scheduled_at": notification.scheduled_at.isoformat(),
            "recurrence": notification.recurrence, "channel": notification.channel,
        },
    )


register(Tool(
    name="schedule_notification",
    description=(
        "Schedule a reminder for the user: one-time (`at`, a local date-time, or "
        "`in_minutes`) or recurring (`recurrence`, a 5-field cron expression in the user's "
        "local time, e.g. `0 8 * * *` for every morning at 8). Use it whenever the user asks "
        "to be reminded. The channel defaults to the user's preference."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "title": {"type": "string",
                      "description": "What to remind, short, in the user's language."},
            "body": {"type": "string", "description": "Optional detail."},
            "at": {"type": "string",
                   "description": "Local date and time, ISO 8601 (YYYY-MM-DDTHH:MM)."},
            "in_minutes": {"type": "number",
                           "description": "Minutes from now, for a one-time reminder."},
            "recurrence": {"type": "string",
                           "description": "Cron expression in local time, for a recurring one."},
            "channel": {"type": "string", "enum": ["in_app", "email", "telegram"]},
        },
        "required": ["title"],
    },
    run=schedule_notification,
))
