"""Install the daily audit-trail prune (retention: AUDIT_RETENTION_DAYS); editable in the admin."""

from django.db import migrations

TASK_NAME = "Audit trail: prune events past the retention period (daily)"


def install(apps, schema_editor):
    # https://crontab.guru/#40_3_*_*_*  once a day at 03:40 UTC, a quiet hour.
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="40",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "clinic.tasks.prune_audit_events",
            "crontab": schedule,
            "description": "Deletes audit events older than AUDIT_RETENTION_DAYS.",
        },
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0007_add_audit_event"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
