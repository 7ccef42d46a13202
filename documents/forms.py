"""The report compilation form (every choice is limited to the signed-in user's objects)
and the user's correction of a document's facts."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class FactsForm(forms.Form):
    """The user's correction of what the model read (or their own entry of it)."""

    doc_type = forms.ChoiceField(label=_("Document type"), choices=Document.DocType.choices)
    document_date = forms.DateField(label=_("Document date"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    provider = forms.CharField(label=_("Clinic, lab or doctor"), max_length=200, required=False)
    summary = forms.CharField(label=_("Summary"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def initial_for(cls, document) -> dict:
        metadata = document.metadata or {}
        return {"doc_type": document.doc_type, "document_date": document.document_date,
                "provider": metadata.get("provider", ""), "summary": metadata.get("summary", "")}


class LabValueForm(forms.Form):
    analyte = forms.CharField(label=_("Analyte"), max_length=120, required=False)
    value = forms.CharField(label=_("Value"), max_length=60, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    reference_range = forms.CharField(label=_("Reference range"), max_length=60, required=False)
    flag = forms.ChoiceField(label=_("Flag"), required=False, choices=[
        ("", "—"), ("low", pgettext_lazy("lab flag", "Low")),
        ("high", pgettext_lazy("lab flag", "High")), ("normal", _("Normal")),
        ("abnormal", _("Abnormal"))])
    # The user's own match of this value to an analyte (made on the trends page), kept.
    analyte_code = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(min_value=1, max_value=9999, required=False,
                              widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("analyte", "").strip() and any(
            data.get(name) for name in ("value", "unit", "reference_range")
        ):
            raise forms.ValidationError(_("Name the analyte of this value."))
        return data

    def lab_value(self) -> dict | None:
        """The row as stored in `metadata["lab_values"]`; None for an empty or deleted row."""
        data = self.cleaned_data
        if data.get("DELETE") or not data.get("analyte", "").strip():
            return None
        value = data.get("value", "").strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", value):
            value = float(value) if "." in value else int(value)
        return {"analyte": data["analyte"], "value": value, "unit": data.get("unit", ""),
                "reference_range": data.get("reference_range", ""), "flag": data.get("flag", ""),
                "page": data.get("page"), "analyte_code": data.get("analyte_code", "")}


LabValueFormSet = forms.formset_factory(LabValueForm, extra=1, can_delete=True, max_num=300,
                                        absolute_max=300, validate_max=True)
