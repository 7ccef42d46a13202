"""{% load devices %}: device names and icons for session lists, and the browsers whose
account switcher holds the account."""

from django import template
from django.utils.translation import gettext as _

from accounts.devices import describe, is_phone
from accounts.models import SwitchGrant

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


@register.simple_tag(takes_context=True)
def switcher_grants(context):
    """Browsers that may switch to the signed-in account, this one excepted."""
    request = context["request"]
    own = request.session.get("switch_accounts") or {}
    return list(
        SwitchGrant.objects.for_user(request.user).exclude(key__in=list(own.values()))
    )


@register.filter
def session_id(session) -> str:
    """How the sessions page names a session in its sign-out URL (never its key)."""
    from accounts.session_views import public_id

    return public_id(session)
