"""The delivery schedules run on the delivery cluster (settings.Q_CLUSTER's ALT_CLUSTERS),
so a queue full of document and export jobs never holds a reminder back."""

from django.db import migrations

DELIVERY = ["notifications: deliver due", "notifications: sweep stale deliveries"]


def to_delivery(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=DELIVERY).update(
        cluster="delivery")


def to_default(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=DELIVERY).update(cluster=None)


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0010_push_subscription_browser"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(to_delivery, to_default)]
