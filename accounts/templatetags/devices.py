"""{% load devices %}: `{{ ua|device_name }}` and `{{ ua|device_icon }}` for session lists."""

from django import template
from django.utils.translation import gettext as _

from accounts.devices import describe, is_phone

register = template.Library()


@register.filter
def device_name(user_agent: str) -> str:
    browser, system = describe(user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")


@register.filter
def device_icon(user_agent: str) -> str:
    return "smartphone" if is_phone(user_agent) else "monitor"
