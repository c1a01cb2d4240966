"""Install the daily API token prune (expired or revoked 30+ days ago); editable in the admin."""

from django.db import migrations

TASK_NAME = "API tokens: prune long-expired and revoked tokens (daily)"


def install(apps, schema_editor):
    # https://crontab.guru/#50_3_*_*_*  once a day at 03:50 UTC, after the audit prune.
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="50",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "clinic.tasks.prune_api_tokens",
            "crontab": schedule,
            "description": "Deletes API tokens expired or revoked more than 30 days ago.",
        },
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0010_install_outbox_relay_beat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
