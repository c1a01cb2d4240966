"""The daily API token prune: a thin Celery task, scheduled by a data migration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from clinic.api.tokens import api_token_issue, api_token_revoke
from clinic.models import ApiToken
from clinic.tasks import prune_api_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_daily_task_deletes_long_dead_tokens_only():
    now = timezone.now()
    expired = api_token_issue(user=UserFactory(), now=now - timedelta(days=400)).token
    revoked = api_token_issue(user=UserFactory()).token
    api_token_revoke(token=revoked, now=now - timedelta(days=31))
    just_revoked = api_token_issue(user=UserFactory()).token
    api_token_revoke(token=just_revoked, now=now - timedelta(days=1))
    live = api_token_issue(user=UserFactory()).token

    assert prune_api_tokens.delay().get() == 2
    assert set(ApiToken.objects.values_list("id", flat=True)) == {just_revoked.id, live.id}
    assert not ApiToken.objects.filter(id__in=[expired.id, revoked.id]).exists()


def test_the_token_prune_is_scheduled_daily_by_default():
    task = PeriodicTask.objects.get(task="clinic.tasks.prune_api_tokens")

    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("50", "3", "*")
