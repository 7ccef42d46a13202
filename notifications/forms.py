"""Forms: a reminder made by hand, and the notification preferences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notification, NotificationPreference
from .schedule import is_valid_cron

REPEAT_CHOICES = [
    ("", _("Once")),
    ("daily", _("Every day")),
    ("weekdays", _("Every weekday")),
    ("weekly", _("Every week")),
    ("monthly", _("Every month")),
    ("every_days", _("Every few days")),
    ("custom", _("Custom (cron)")),
]
ENDS_CHOICES = [
    ("never", _("Never")),
    ("on", _("On a date")),
    ("after", _("After a number of times")),
]


class ReminderForm(forms.Form):
    title = forms.CharField(label=_("Remind me to"), max_length=200)
    body = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    when = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=REPEAT_CHOICES, required=False)
    cron = forms.CharField(
        label=_("Cron schedule"), required=False, max_length=100,
        help_text=_("Only for “Custom”: minute hour day month weekday, e.g. 0 8 * * 1-5."),
    )
    every_days = forms.IntegerField(
        label=_("Every how many days"), required=False, min_value=2, max_value=365,
        help_text=_("Only for “Every few days”."))
    ends = forms.ChoiceField(label=_("Ends"), choices=ENDS_CHOICES, required=False)
    until = forms.DateField(label=_("Last day"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    count = forms.IntegerField(label=_("Number of times"), required=False, min_value=1,
                               max_value=1000)
    channel = forms.ChoiceField(label=_("Send by"), choices=Notification.Channel.choices)

    @classmethod
    def for_notification(cls, notification, data=None):
        """The form of a pending reminder, to edit it (its cron as a custom repeat)."""
        metadata, zone = notification.metadata or {}, notification.user.zone
        if metadata.get("every_days"):
            repeat = "every_days"
        else:
            repeat = "custom" if notification.recurrence else ""
        ends = "on" if metadata.get("until") else \
            "after" if metadata.get("remaining") is not None else "never"
        return cls(data, initial={
            "title": notification.title, "body": notification.body,
            "when": notification.scheduled_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "repeat": repeat, "cron": notification.recurrence,
            "every_days": metadata.get("every_days"), "ends": ends,
            "until": metadata.get("until"), "count": metadata.get("remaining"),
            "channel": notification.channel,
        })

    def clean(self):
        data = super().clean()
        when = data.get("when")
        repeat = data.get("repeat")
        if repeat == "custom":
            if not is_valid_cron(data.get("cron", "")):
                self.add_error("cron", _("Enter a valid cron expression, e.g. 0 8 * * *."))
            data["recurrence"] = data.get("cron", "")
        elif repeat and when:
            minute, hour = when.minute, when.hour
            data["recurrence"] = {
                "daily": f"{minute} {hour} * * *",
                "weekdays": f"{minute} {hour} * * 1-5",
                "weekly": f"{minute} {hour} * * {when.isoweekday() % 7}",
                "monthly": f"{minute} {hour} {when.day} * *",
                "every_days": f"{minute} {hour} * * *",  # the day step is the series'
            }[repeat]
        else:
            data["recurrence"] = ""
        data["series"] = self._series(data)
        return data

    def _series(self, data) -> dict:
        """What cron cannot say (notifications/series.py): every N days, and the end."""
        series = {}
        if not data.get("recurrence"):
            return series
        if data.get("repeat") == "every_days":
            if not data.get("every_days"):
                self.add_error("every_days", _("Say every how many days (2 to 365)."))
            series["every_days"] = data.get("every_days")
        ends = data.get("ends") or "never"
        if ends == "on":
            until, when = data.get("until"), data.get("when")
            if not until:
                self.add_error("until", _("Give the last day."))
            elif when and until < when.date():
                self.add_error("until", _("The last day cannot be before the first time."))
            else:
                series["until"] = until.isoformat()
        elif ends == "after":
            if not data.get("count"):
                self.add_error("count", _("Say how many times (1 to 1000)."))
            series["remaining"] = data.get("count")
        return series


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = [
            "reminder_channel", "alert_channel", "info_channel", "ai_generated_channel",
            "quiet_hours_start", "quiet_hours_end", "digest", "daily_review", "review_hour",
            "auto_accept_suggestions",
        ]
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_hours_start")) != bool(data.get("quiet_hours_end")):
            raise forms.ValidationError(_("Give both ends of the quiet hours, or neither."))
        return data
