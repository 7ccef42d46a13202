"""The one way to reach a user's objects: every query starts from `for_user`."""

from django.db import models


class OwnedQuerySet(models.QuerySet):
    owner_field = "user"

    def for_user(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(**{self.owner_field: user})
