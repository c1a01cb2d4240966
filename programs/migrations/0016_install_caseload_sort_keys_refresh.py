"""Install the refresh of the stored caseload sort keys in the beat schedule.

Every ten minutes: rows that writes made stale, and those of patients whose local day has
just turned, are recomputed; until then the sorted patient list reads them live, so the
schedule sets how much of the list is sorted from stored figures, never what the order is.
"""

from django.db import migrations
from django.utils import timezone

NAME = "caseload: refresh sort keys"
TASK = "programs.tasks.refresh_caseload_sort_keys"


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    # https://crontab.guru/#*/10_*_*_*_*
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="*/10",
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
            "description": "Recompute the patient list's stored sort keys (adherence, pain).",
        },
    )
    # Tell a running beat (DatabaseScheduler) to reload its schedule.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0015_caseload_sort_keys"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
