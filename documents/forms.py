"""The report compilation form: every choice is limited to the signed-in user's objects."""

from django import forms
from django.utils.translation import gettext_lazy as _

from chats.models import Chat
from memory.models import MemoryEntry

from .models import Document


class ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, initial=_("Health summary"))
    memory = forms.ModelMultipleChoiceField(
        label=_("Memory entries"), queryset=MemoryEntry.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents' extracted data"), queryset=Document.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_trends = forms.BooleanField(label=_("Lab trend tables"), required=False)
    chat = forms.ModelChoiceField(
        label=_("Chat"), queryset=Chat.objects.none(), required=False,
        empty_label=_("No chat"),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["memory"].queryset = (
            MemoryEntry.objects.for_user(user).filter(is_active=True).order_by("category", "title")
        )
        self.fields["documents"].queryset = (
            Document.objects.for_user(user).filter(status=Document.Status.COMPLETED)
            .only("id", "filename", "doc_type", "document_date")
        )
        self.fields["chat"].queryset = Chat.objects.for_user(user).order_by("-updated")

    def clean(self):
        data = super().clean()
        if not (data.get("memory") or data.get("documents") or data.get("include_trends")
                or data.get("chat")):
            raise forms.ValidationError(_("Choose at least one thing to put in the report."))
        return data
