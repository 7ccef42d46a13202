"""Everything a user owns, found generically: the rows of every model with a `user` foreign
key to the user model, the rows hanging off those (messages of a chat, versions of a
context file), and the files their FileFields point at. Export and erase both use it.
"""

from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models

# Rows of installed libraries that are the user's own and safe to hand out. Not the
# two-factor secrets (allauth.mfa) nor OAuth tokens: an export must not become a key.
LIBRARY_MODELS = ["account.EmailAddress", "socialaccount.SocialAccount"]
# Our own bookkeeping: the zips themselves are not part of the data they contain, and
# the account switcher's grants are credentials.
SKIPPED_MODELS = ["accounts.DataExport", "accounts.SwitchGrant", "accounts.User"]


@dataclass(frozen=True)
class OwnedModel:
    model: type[models.Model]
    lookup: str  # the filter path from a row to its owner, e.g. "user" or "chat__user"

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows(self, user) -> models.QuerySet:
        return self.model._default_manager.filter(**{self.lookup: user}).order_by("pk")

    @property
    def file_fields(self) -> list[models.FileField]:
        return [f for f in self.model._meta.concrete_fields if isinstance(f, models.FileField)]


def _is_project_app(app_config) -> bool:
    path = Path(app_config.path).resolve()
    return path.is_relative_to(settings.BASE_DIR) and "site-packages" not in path.parts


def _user_fk(model) -> models.ForeignKey | None:
    try:
        field = model._meta.get_field("user")
    except FieldDoesNotExist:
        return None
    if isinstance(field, models.ForeignKey) and field.related_model is apps.get_model(
        settings.AUTH_USER_MODEL
    ):
        return field
    return None


def owned_models() -> list[OwnedModel]:
    """Every model holding a user's data: owners first, then their dependants."""
    candidates = [
        model
        for app_config in apps.get_app_configs()
        if _is_project_app(app_config)
        for model in app_config.get_models()
    ]
    candidates += [apps.get_model(label) for label in LIBRARY_MODELS if _installed(label)]
    candidates = [m for m in candidates if m._meta.label not in SKIPPED_MODELS]
    found = {m: "user" for m in candidates if _user_fk(m) is not None}
    # Dependants at any depth (a message of a chat, a page of a document's version…).
    growing = True
    while growing:
        growing = False
        for model in candidates:
            if model in found:
                continue
            for field in model._meta.concrete_fields:
                parent = field.related_model if isinstance(field, models.ForeignKey) else None
                if parent in found and parent is not model:
                    found[model] = f"{field.name}__{found[parent]}"
                    growing = True
                    break
    return [OwnedModel(model, lookup) for model, lookup in found.items()]


def _installed(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def file_names(user) -> list[tuple[models.FileField, str]]:
    """(field, storage name) of every file the user owns, the avatar included."""
    names = []
    if user.avatar:
        names.append((user._meta.get_field("avatar"), user.avatar.name))
    for owned in owned_models():
        for field in owned.file_fields:
            for name in owned.rows(user).exclude(**{field.name: ""}).values_list(
                field.name, flat=True
            ):
                if name:
                    names.append((field, name))
    return names
