"""Accepting a file to import: its size, its kind (by content), its place in storage until
the job has read it, and the job queued once the transaction commits. A refused file leaves
nothing behind."""

import uuid

from constance import config
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from documents.uploads import MB, display_name, storage_name

from .detect import detect
from .models import RecordImport
from .tasks import enqueue


class Refused(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def check_size(size: int) -> None:
    if size > config.import_max_file_mb * MB:
        raise Refused(_("The file is larger than the %(limit)s MB limit for imports.")
                      % {"limit": config.import_max_file_mb}, status=413)
    if size <= 0:
        raise Refused(_("The file is empty."))


def accept(user, uploaded) -> RecordImport:
    check_size(uploaded.size or 0)
    kind = detect(uploaded.file)
    if kind == RecordImport.Kind.UNKNOWN:
        raise Refused(_("This is not a file Anamnesis can import. Choose an Apple Health "
                        "export (export.zip or export.xml), a FHIR R4 JSON file or a C-CDA "
                        "XML document."), status=415)
    shown = display_name(uploaded.name)
    record_import = RecordImport(id=uuid.uuid4(), user=user, file_name=shown,
                                 size=uploaded.size, kind=kind)
    extension = {RecordImport.Kind.FHIR: "json", RecordImport.Kind.CCDA: "xml"}.get(
        kind, "zip" if uploaded.file.read(4) == b"PK\x03\x04" else "xml")
    uploaded.file.seek(0)
    name = f"uploads/{user.pk}/imports/{record_import.pk}/{storage_name(shown, extension)}"
    record_import.stored_path = default_storage.save(name, uploaded)
    try:
        with transaction.atomic():
            record_import.save()
    except Exception:
        default_storage.delete(record_import.stored_path)
        raise
    transaction.on_commit(lambda: enqueue(record_import.pk))
    return record_import


def delete(record_import: RecordImport) -> dict[str, int]:
    """The import and everything it brought."""
    from .fhir_import import undo
    from .tasks import remove_file

    removed = undo(record_import)
    remove_file(record_import)
    record_import.delete()
    return removed
