from django.db import migrations

TASK_NAME = "Weekly reports (hourly: sends each therapist's at Monday 07:00 clinic time)"


def install_beat_and_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # https://crontab.guru/#0_*_*_*_*  hourly tick; each clinic's Monday 07:00 is decided
    # per therapist by Therapist.next_report_at.
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "clinic.tasks.send_due_weekly_reports", "crontab": schedule},
    )

    app_config = apps.get_app_config("clinic")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Therapists")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="clinic", codename="view_weeklyreport"
        )
    )


def remove_beat(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0004_add_weekly_report"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_beat_and_permissions, remove_beat)]
