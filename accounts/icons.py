"""`{% load lucide %}` with the rendered SVG kept in memory.

The `lucide` package parses, deep-copies and serialises the icon's XML on every use
(~0.3 ms); a chat page of 100 messages draws ~300 icons. An icon's markup depends only on
its name, size and attributes, so each combination is rendered once per process.
TEMPLATES' `libraries` option maps the name `lucide` to this module (the package is not in
INSTALLED_APPS, so its own library of that name is not registered), so templates keep
`{% load lucide %}` and `{% lucide "name" size=16 %}`.
"""

from functools import lru_cache

from django import template
from django.utils.safestring import SafeString
from lucide.templatetags.lucide import lucide as render_lucide

register = template.Library()


@lru_cache(maxsize=2048)
def _cached(name: str, size, attributes: tuple) -> SafeString:
    return render_lucide(name, size=size, **dict(attributes))


@register.simple_tag
def lucide(name: str, *, size: int | None = 24, **attributes: object) -> SafeString:
    # simple_tag hands literal strings over as SafeString; key on their plain value.
    key = tuple(sorted((k, v + "" if isinstance(v, str) else v) for k, v in attributes.items()))
    try:
        return _cached(str(name), size, key)
    except TypeError:  # an unhashable attribute value: render without the cache
        return render_lucide(name, size=size, **attributes)
