from django import forms
from django.utils.translation import gettext_lazy as _

from documents.models import Document

from .links import DURATIONS

DURATION_CHOICES = [
    (1, _("1 hour")), (24, _("1 day")), (72, _("3 days")), (168, _("7 days")),
    (720, _("30 days")),
]
MIN_PASSCODE = 6


class ShareForm(forms.Form):
    label = forms.CharField(label=_("For whom"), max_length=120, required=False,
                            help_text=_("Only you see it, in the list of your links."))
    summary = forms.BooleanField(label=_("Summary: your name and latest vital signs"),
                                 required=False, initial=True)
    medications = forms.BooleanField(label=_("Current medications"), required=False,
                                     initial=True)
    conditions = forms.BooleanField(label=_("Allergies and conditions"), required=False,
                                    initial=True)
    labs = forms.BooleanField(label=_("Lab results, each value with its date and source"),
                              required=False)
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents the doctor may open"), queryset=Document.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple)
    duration = forms.TypedChoiceField(label=_("Open for"), choices=DURATION_CHOICES,
                                      coerce=int, initial=24)
    passcode = forms.CharField(
        label=_("Passcode (optional)"), required=False, max_length=128, strip=False,
        min_length=MIN_PASSCODE, widget=forms.PasswordInput(render_value=False, attrs={
            "autocomplete": "new-password"}),
        help_text=_("At least 6 characters. Tell it to the doctor separately, not with "
                    "the link."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = (
            Document.objects.for_user(user).filter(status=Document.Status.COMPLETED)
            .order_by("-document_date", "-created")
            .only("id", "filename", "doc_type", "document_date"))

    def clean_duration(self):
        return DURATIONS[self.cleaned_data["duration"]]

    def clean(self):
        data = super().clean()
        if not (data.get("summary") or data.get("medications") or data.get("conditions")
                or data.get("labs") or data.get("documents")):
            raise forms.ValidationError(_("Choose at least one thing to share."))
        return data


class PasscodeForm(forms.Form):
    passcode = forms.CharField(label=_("Passcode"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "off",
                                                                 "autofocus": True}))
