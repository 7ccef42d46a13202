"""Every existing document's lab values into the health record (labs.LabValue), from the
facts stored in its metadata: no OCR and no model call (documents/lab_values.py)."""

from django.db import migrations


def normalise(apps, schema_editor):
    from documents.lab_values import normalise_all

    normalise_all()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0011_document_page_starts"),
        ("labs", "0002_install_catalogue"),
    ]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
