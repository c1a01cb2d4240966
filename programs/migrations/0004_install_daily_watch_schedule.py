"""Install the daily watch's default beat schedule (editable afterwards in the admin).

Each task ticks hourly and evaluates, per patient, the local day that has just ended
(once: a CheckRun row per patient, check and day), so every patient is checked once a
day shortly after their own midnight, whatever their time zone.
"""

from django.db import migrations
from django.utils import timezone

# (name, task, minute past every hour, description)
DAILY_WATCH = [
    (
        "daily-watch: adherence",
        "programs.tasks.check_adherence",
        "15",
        "Missed sessions and low adherence, per patient's local day that just ended.",
    ),
    (
        "daily-watch: pain trends",
        "programs.tasks.check_pain_trends",
        "20",
        "Pain rising, flare-ups and clinically important improvement.",
    ),
    (
        "daily-watch: progression",
        "programs.tasks.progress_programs",
        "25",
        "Pain-guided progression of walking targets.",
    ),
    (
        "daily-watch: alert digests",
        "programs.tasks.send_alert_digests",
        "45",
        "One email per therapist with the alerts opened since the last digest.",
    ),
]


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, minute, description in DAILY_WATCH:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour="*",
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": task,
                "crontab": schedule,
                "interval": None,
                "enabled": True,
                "description": description,
            },
        )
    # Tell a running beat (DatabaseScheduler) to reload its schedule.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def uninstall(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in DAILY_WATCH]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_add_check_run_and_pain_response"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
