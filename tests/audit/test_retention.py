from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from clinic.audit import audit_event, audit_record_many
from clinic.models import AuditEvent
from clinic.tasks import prune_audit_events

pytestmark = pytest.mark.django_db


def events_aged(*days: int) -> list[AuditEvent]:
    now = timezone.now()
    return audit_record_many(
        audit_event(action="view", at=now - timedelta(days=d, minutes=1)) for d in days
    )


def ages() -> list[int]:
    now = timezone.now()
    return sorted((now - at).days for at in AuditEvent.objects.values_list("at", flat=True))


def test_prune_audit_keeps_the_configured_number_of_days(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    events_aged(1, 29, 30, 400)

    call_command("prune_audit", stdout=None)

    assert ages() == [1, 29]


def test_the_default_retention_is_six_years(settings):
    assert settings.AUDIT_RETENTION_DAYS == 2190


def test_prune_audit_days_overrides_the_setting(settings):
    settings.AUDIT_RETENTION_DAYS = 2190
    events_aged(1, 10)

    call_command("prune_audit", "--days", "5")

    assert ages() == [1]


def test_prune_audit_refuses_negative_days():
    with pytest.raises(CommandError, match="--days"):
        call_command("prune_audit", "--days", "-1")


def test_the_daily_task_prunes(settings):
    settings.AUDIT_RETENTION_DAYS = 7
    events_aged(2, 8)

    assert prune_audit_events.delay().get() == 1
    assert ages() == [2]


def test_the_prune_is_scheduled_daily_by_default():
    task = PeriodicTask.objects.get(task="clinic.tasks.prune_audit_events")

    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("40", "3", "*")
