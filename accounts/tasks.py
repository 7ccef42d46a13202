"""django-q2 entry points of the accounts app."""

from .export import build_into_storage, sweep_stale
from .models import DataExport, User


def build_export(export_id: str) -> None:
    export = DataExport.objects.filter(pk=export_id).select_related("user").first()
    if export is not None:  # the account may have been erased meanwhile
        build_into_storage(export)


def sweep_erased_user_files(user_id: str) -> int:
    """After an erase: whatever a job still wrote under the account's folders."""
    from .erase import delete_user_prefixes

    if User.objects.filter(pk=user_id).exists():
        return 0  # ids are not reused, but never touch a live account's files
    return delete_user_prefixes(user_id)


def sweep_stale_exports() -> dict:
    """Every five minutes: exports whose job was killed are retried, then failed."""
    return sweep_stale()


def run_scheduled_backup() -> dict:
    """Every hour: the daily backup at the runtime setting's hour (scheduled_backups.py)."""
    from .scheduled_backups import run

    return run()
