"""The runtime settings page of the admin, with the secret ones write-only: it says whether
one is set, stores a new value encrypted, and an empty field keeps the stored one."""

from constance import config
from constance.admin import Config, ConstanceAdmin
from constance.forms import ConstanceForm
from django.contrib import admin
from django.utils.translation import gettext as _

from . import runtime_secrets


class SecretAwareConstanceForm(ConstanceForm):
    def clean(self):
        cleaned = super().clean()
        for name in runtime_secrets.SECRET_SETTINGS:
            if name not in cleaned:
                continue
            new = (cleaned[name] or "").strip()
            # Unchanged (compared as stored) when left empty; encrypted when typed.
            cleaned[name] = runtime_secrets.encrypt(new) if new else getattr(config, name)
        return cleaned


class SecretAwareConstanceAdmin(ConstanceAdmin):
    change_list_form = SecretAwareConstanceForm

    def get_config_value(self, name, options, form, initial):
        value = super().get_config_value(name, options, form, initial)
        if name in runtime_secrets.SECRET_SETTINGS:
            stored = initial.get(name)
            if stored is None:
                stored = getattr(config, name)
            state = runtime_secrets.describe(name, stored)
            value.update(default="", raw_default="", value=state, modified=bool(stored))
            value["help_text"] = "{} {}".format(
                value["help_text"],
                _("Currently: %(state)s. Leave the field empty to keep it.") % {"state": state},
            )
        return value


def install() -> None:
    """Replaces constance's own registration (called from an app's admin module)."""
    if admin.site.is_registered(Config):
        admin.site.unregister([Config])
    admin.site.register([Config], SecretAwareConstanceAdmin)
