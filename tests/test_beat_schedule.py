from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from clinic.celery import app

pytestmark = pytest.mark.django_db


def registered_tasks() -> set[str]:
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    return set(app.tasks)


def test_every_installed_periodic_task_names_a_registered_task():
    names = registered_tasks()

    missing = [
        (t.name, t.task) for t in PeriodicTask.objects.exclude(task="") if t.task not in names
    ]

    assert missing == []


def test_the_daily_watch_is_scheduled_by_default():
    scheduled = set(PeriodicTask.objects.filter(enabled=True).values_list("task", flat=True))

    assert {
        "programs.tasks.check_adherence",
        "programs.tasks.check_pain_trends",
        "programs.tasks.progress_programs",
        "programs.tasks.send_alert_digests",
    } <= scheduled


def test_the_maintenance_check_is_scheduled_hourly_by_default():
    task = PeriodicTask.objects.get(task="programs.tasks.check_maintenance")

    assert task.enabled is True
    assert (task.crontab.minute, task.crontab.hour) == ("35", "*")
    assert task.task in registered_tasks()
