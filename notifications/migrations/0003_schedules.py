"""The django-q2 schedules that deliver notifications, run reviews and send digests."""

from django.db import migrations

SCHEDULES = [
    # name, function, minutes between runs
    ("notifications: deliver due", "notifications.tasks.deliver_due_notifications", 1),
    ("notifications: daily review", "notifications.tasks.run_daily_reviews", 5),
    ("notifications: digests", "notifications.tasks.send_digests", 15),
]


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1},
        )


def remove(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_delivery_preferences_telegram"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create, remove)]
