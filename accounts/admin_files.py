"""Stored files in the admin: their names, never links. Files have no public URL
(MEDIA_URL is None: only views that check the owner serve them), and Django's read-only
display of a FileField and its file input both ask for one — a 500 on every change page
with a file. (templates/admin/widgets/clearable_file_input.html shows the name too.)"""

from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models


def stored_file(field_name: str, label):
    """A read-only admin column/field showing the stored name of `field_name`."""

    @admin.display(description=label)
    def show(obj):
        value = getattr(obj, field_name)
        return value.name if value else "—"

    show.__name__ = f"stored_{field_name}"
    return show


class StoredFileWidget(AdminFileWidget):
    """The admin's file input for a file without a URL: shows its name, keeps "clear"."""

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))


FILE_FIELD_OVERRIDES = {
    models.FileField: {"widget": StoredFileWidget},
    models.ImageField: {"widget": StoredFileWidget},
}
