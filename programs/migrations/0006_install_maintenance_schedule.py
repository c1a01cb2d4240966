"""Install the maintenance check in the beat schedule (editable afterwards in the admin).

Hourly, like the daily watch: each patient's program is evaluated once for the local
day that has just ended (a CheckRun row), so booster prompts reach each patient once a
day shortly after their own midnight.
"""

from django.db import migrations
from django.utils import timezone

NAME = "daily-watch: maintenance"
TASK = "programs.tasks.check_maintenance"


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    # https://crontab.guru/#35_*_*_*_*  after progression (:25), before the digests (:45).
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="35",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": schedule,
            "interval": None,
            "enabled": True,
            "description": "Active programs that have ended move to maintenance; booster prompts.",
        },
    )
    # Tell a running beat (DatabaseScheduler) to reload its schedule.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0005_add_maintenance_phase"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
