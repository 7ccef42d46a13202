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
    ("custom", _("Custom (cron)")),
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
    channel = forms.ChoiceField(label=_("Send by"), choices=Notification.Channel.choices)

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
            }[repeat]
        else:
            data["recurrence"] = ""
        return data


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
