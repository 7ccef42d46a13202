"""The form for adding and editing a memory entry by hand."""

from django import forms

from .models import MemoryEntry


class MemoryEntryForm(forms.ModelForm):
    class Meta:
        model = MemoryEntry
        fields = ["title", "category", "importance", "content", "is_active"]
        widgets = {"content": forms.Textarea(attrs={"rows": 4})}
