"""Install the outbox relay's beat entry: every minute, publish what the broker missed."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Outbox relay (every minute: publishes tasks stored while the broker was down)"


def install(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "clinic.tasks.relay_outbox",
            "interval": every_minute,
            "crontab": None,
            "enabled": True,
            # A tick the broker missed is not worth queueing: the next one does it all.
            "expire_seconds": 55,
            "description": "Publishes clinic.OutboxMessage rows not yet sent to the broker.",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_add_task_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
