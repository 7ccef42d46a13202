"""`{% skill_icon name size=16 %}`: a skill's Lucide icon that never breaks a page.

`{% lucide name %}` raises when the name is unknown, so one skill stored with "Heart" or a
typo would make every page listing it answer 500. This tag draws the default icon instead."""

from django import template

from accounts.icons import lucide

from ..icons import DEFAULT_ICON, icon_or_default

register = template.Library()


@register.simple_tag
def skill_icon(name, size=16, default=DEFAULT_ICON, **attributes):
    return lucide(icon_or_default(name, icon_or_default(default)), size=size, **attributes)
