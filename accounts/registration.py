"""Who may create an account: the first account of a fresh install, which becomes the
administrator; after it, only while an administrator has self-registration on (runtime
setting `self_registration_enabled`, off by default) — issue 22: strangers must not be
able to sign up and spend the instance's tokens."""

from constance import config

from .models import User


def is_open() -> bool:
    """Sign-up is open on a fresh install (no account yet) or when an administrator
    turned self-registration on."""
    return bool(config.self_registration_enabled) or not User.objects.exists()


def promote_if_first(user) -> bool:
    """Makes `user` the administrator when no account was created before it (ties by
    id, so two sign-ups at the same moment give one administrator)."""
    first = User.objects.order_by("created", "pk").values_list("pk", flat=True).first()
    if first != user.pk:
        return False
    if user.role != User.Role.ADMIN:
        user.role = User.Role.ADMIN
        user.save(update_fields=["role", "is_superuser"])
    return True
