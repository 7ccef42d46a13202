"""The hourly schedule that resumes documents which waited for the monthly token budget."""

from django.db import migrations

NAME = "documents: resume after token budget"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={"func": "documents.tasks.resume_budget_waiting", "schedule_type": "I",
                  "minutes": 60, "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_search_indexes"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create, remove)]
