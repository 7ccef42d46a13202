"""django-q2 entry points of the accounts app."""

from .export import build_into_storage
from .models import DataExport


def build_export(export_id: str) -> None:
    export = DataExport.objects.filter(pk=export_id).select_related("user").first()
    if export is not None:  # the account may have been erased meanwhile
        build_into_storage(export)
