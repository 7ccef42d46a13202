"""Forms of personal skills and the personal context."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Skill
from .widgets import IconInput

TRANSLATED = ("name", "description", "system_prompt")


class SkillForm(forms.ModelForm):
    """A personal skill is written in one language and shown in every interface language."""

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    system_prompt = forms.CharField(
        label=_("Instructions for the assistant"),
        help_text=_("How this specialist should think and answer, e.g. 'You are a sports "
                    "physician; ask about training load'."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    class Meta:
        model = Skill
        fields = ["icon", "is_active"]
        labels = {"icon": _("Icon")}
        help_texts = {"icon": _("A Lucide icon name: start typing (e.g. “heart”) and pick one "
                                "from the suggestions.")}
        widgets = {"icon": IconInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in TRANSLATED:
                self.initial[name] = getattr(self.instance, name)
        self.order_fields(["name", "description", "system_prompt", "icon", "is_active"])

    def save(self, commit=True):
        skill = super().save(commit=False)
        for name in TRANSLATED:
            for code, _label in settings.LANGUAGES:
                setattr(skill, f"{name}_{code}", self.cleaned_data[name])
        if commit:
            skill.save()
        return skill


class ContextForm(forms.Form):
    content = forms.CharField(
        label=_("Personal context"), required=False, max_length=20_000,
        help_text=_("What the assistant should always know about you: background, goals, "
                    "how you like answers. It comes with every chat."),
        widget=forms.Textarea(attrs={"rows": 12}),
    )
