"""Lucide icon names: the list the installed `lucide` package ships, a validator for forms
and the admin, and the fallback a stored name that is not (or no longer) an icon renders as."""

import functools
from importlib import resources
from zipfile import ZipFile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_ICON = "sparkles"


@functools.cache
def icon_names() -> tuple[str, ...]:
    """Every icon name in the package's archive, sorted (read once per process)."""
    with resources.files("lucide").joinpath("lucide.zip").open("rb") as data, \
            ZipFile(data) as archive:
        return tuple(sorted(name.removesuffix(".svg") for name in archive.namelist()
                            if name.endswith(".svg")))


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(icon_names())


def is_icon(name) -> bool:
    return isinstance(name, str) and name in _known()


def icon_or_default(name, default: str = DEFAULT_ICON) -> str:
    """The name when Lucide has it, else the default (which must be a real icon)."""
    return name if is_icon(name) else default


def validate_icon_name(value):
    """An empty value is allowed (the default icon shows); anything else must be a name."""
    if value and not is_icon(value):
        raise ValidationError(
            _("“%(value)s” is not a Lucide icon name. Choose one from the list, e.g. "
              "“heart-pulse” or “stethoscope” (lower case, words joined by hyphens)."),
            code="invalid_icon", params={"value": value},
        )
