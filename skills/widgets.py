"""The icon picker: a text input with the list of Lucide names as suggestions (a native
<datalist>: typing filters it, keyboards and screen readers work, no script) and a preview
of the current icon."""

from django import forms

from .icons import icon_names


class IconInput(forms.TextInput):
    template_name = "skills/widgets/icon_input.html"

    def get_context(self, name, value, attrs):
        attrs = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off",
                 **(attrs or {})}
        attrs["class"] = f"input min-w-0 flex-1 {attrs.get('class', '')}".strip()
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["list_id"] = f"{widget['attrs'].get('id') or name}-icons"
        widget["attrs"]["list"] = widget["list_id"]
        widget["icons"] = icon_names()
        return context
