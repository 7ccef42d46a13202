"""The schedule of the daily backup (accounts/scheduled_backups.py): every hour, the task
writes a backup when the hour is the runtime setting `backup_hour`."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

NAME = "accounts: scheduled backup"
FUNC = "accounts.tasks.run_scheduled_backup"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # On the hour, so that the run falls inside the chosen hour whatever minute migrate ran.
    next_hour = (timezone.now() + timedelta(hours=1)).replace(
        minute=0, second=0, microsecond=0)
    Schedule.objects.update_or_create(
        name=NAME, defaults={"func": FUNC, "schedule_type": "H", "repeats": -1,
                             "next_run": next_hour},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_encrypt_two_factor_secrets"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
