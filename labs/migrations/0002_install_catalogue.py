"""Installs the analyte catalogue from labs/data/analytes.yaml (labs/install.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from labs.install import install as install_catalogue

    install_catalogue(apps.get_model("labs", "Analyte"), apps.get_model("labs", "AnalyteName"),
                      apps.get_model("labs", "AnalyteUnit"))


class Migration(migrations.Migration):
    dependencies = [("labs", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
