"""Forms of the chat pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from skills.models import Skill


class NewChatForm(forms.Form):
    skill = forms.ModelChoiceField(
        queryset=Skill.objects.none(), required=False, label=_("Skill"),
        empty_label=_("General assistant"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = Skill.objects.available_to(user)


class RenameForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
