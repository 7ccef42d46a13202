"""One lock per user for the operations that must not overlap: starting an export, a
job recording its zip, erasing the account.

It is the user's row, locked for the length of a transaction (SELECT … FOR UPDATE on
PostgreSQL; on SQLite every write transaction is already exclusive — the embedded mode
opens them IMMEDIATE — so the same code serialises there too).
"""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def user_lock(user_id):
    """Yields the locked user row, or None when the account is gone."""
    from .models import User

    with transaction.atomic():
        yield User.objects.select_for_update().filter(pk=user_id).first()
