"""Documents no longer park for the token budget (their facts wait instead, and the
"extract waiting facts" job resumes them): the hourly resume schedule goes."""

from django.db import migrations

NAME = "documents: resume after token budget"


def drop(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0006_merge_0004_facts_state_0005_merge_20261126_0615")]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
