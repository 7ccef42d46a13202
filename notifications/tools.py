"""The assistant's `schedule_notification` tool: one-time or recurring reminders."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.locale import user_language
from chats import actions
from chats.tool_registry import Tool, ToolContext, ToolResult, register

from . import actions as reminder_actions
from . import reminders
from .models import Notification, NotificationPreference


def schedule_notification(context: ToolContext, data: dict) -> ToolResult:
    """A one-time in-app reminder is set at once; any other waits for the user's Confirm."""
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
    except (ValueError, TypeError) as error:
        return ToolResult(f"Could not read the time: {error}", is_error=True)
    title = str(data.get("title") or "").strip()
    if not title:
        return ToolResult("A reminder needs a title.", is_error=True)
    channel = str(data.get("channel") or "") or \
        NotificationPreference.for_user(user).channel_for(Notification.Type.REMINDER)
    if channel not in Notification.Channel.values:
        return ToolResult(f"Unknown channel {channel!r}.", is_error=True)
    if at is not None and at < timezone.now() - reminders.PAST_TOLERANCE:
        return ToolResult("That time has already passed.", is_error=True)
    wanted = reminder_actions.payload(
        title=title, body=str(data.get("body") or ""), at=at,
        recurrence=str(data.get("recurrence") or ""), channel=channel,
    )
    origin = actions.from_chat(context.chat)
    summary = reminder_actions.describe(user, wanted)
    try:
        reminder_actions.check(user, wanted)
        if reminder_actions.needs_confirmation(wanted):
            action = actions.propose(user, reminder_actions.REMINDER, wanted,
                                     summary=summary, origin=origin)
        else:
            action = actions.perform(user, reminder_actions.REMINDER, wanted,
                                     summary=summary, origin=origin)
    except ValidationError as error:
        return ToolResult(" ".join(error.messages), is_error=True)

    with user_language(user):
        if action.state == action.State.PROPOSED:
            label = _("Waiting for your confirmation: %(what)s") % {"what": summary}
        elif wanted["at"]:
            label = _("Reminder set for %(when)s: %(title)s") % {
                "when": formats.date_format(at.astimezone(zone), "DATETIME_FORMAT"),
                "title": title}
        else:
            label = summary
    if action.state == action.State.PROPOSED:
        content = (
            f"Not scheduled yet: the reminder “{title}” ({channel}"
            f"{', recurring ' + wanted['recurrence'] if wanted['recurrence'] else ''}) needs "
            "the user's confirmation (a card with Confirm / Cancel is shown to them). Tell "
            "the user it is waiting for their confirmation."
        )
    else:
        notification = Notification.objects.for_user(user).get(pk=action.target_id)
        local = notification.scheduled_at.astimezone(zone)
        content = (f"Scheduled “{notification.title}” at {local:%Y-%m-%d %H:%M} "
                   f"({zone.key}) by {notification.channel}. Id {notification.pk}.")
    return ToolResult(
        content=content, summary=label,
        data={"title": title, "scheduled_at": wanted["at"], "recurrence": wanted["recurrence"],
              "channel": channel, "id": action.target_id, "action": actions.card(action)},
    )


register(Tool(
    name="schedule_notification",
    description=(
        "Schedule a reminder for the user: one-time (`at`, a local date-time, or "
        "`in_minutes`) or recurring (`recurrence`, a 5-field cron expression in the user's "
        "local time, e.g. `0 8 * * *` for every morning at 8). Use it whenever the user asks "
        "to be reminded. The channel defaults to the user's preference. Recurring reminders "
        "repeat at most hourly. A one-time in-app reminder is set at once; email, Telegram "
        "and recurring ones wait for the user's confirmation in the chat."
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
    label=gettext_lazy("Reminder"),
))
