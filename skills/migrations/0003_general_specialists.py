"""Installs the general specialists and the primary context a fresh Anamnesis starts with.

Only what is missing is created (see skills.defaults.install), so an administrator's edits
survive; reversing leaves the data in place, since it may have been edited since."""

from django.db import migrations

from skills.defaults import install


class Migration(migrations.Migration):

    dependencies = [
        ("skills", "0002_skill_key"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
