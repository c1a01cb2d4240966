"""The settings and services the fault tests rely on, checked directly (fast, any database)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import OperationalError

from clinic.celery import app
from clinic.models import WeeklyReport
from clinic.send_once import SendInProgressError, send_lease
from clinic.services import weekly_report_build, weekly_report_send
from tests.api.conftest import client_for
from tests.factories import PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-11-23T07:00:00+00:00")
MONDAY = NOW.date() - timedelta(days=7)


def test_every_task_time_limit_is_below_the_redis_visibility_timeout():
    app.loader.import_default_modules()
    visibility = settings.WALKRX_REDIS_TRANSPORT_OPTIONS["visibility_timeout"]

    limits = {
        name: task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    }

    assert visibility > settings.CELERY_TASK_TIME_LIMIT
    assert {name: limit for name, limit in limits.items() if limit >= visibility} == {}
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_publishers_never_retry_a_dead_broker():
    assert settings.WALKRX_REDIS_TRANSPORT_OPTIONS["max_retries"] == 0


@pytest.fixture
def report():
    therapist = TherapistFactory()
    return weekly_report_build(therapist=therapist, week_start=MONDAY, now=NOW)


def test_a_send_lease_left_by_a_killed_worker_is_taken_over_after_the_time_limit(
    report, mailoutbox
):
    dead_since = NOW - send_lease() - timedelta(seconds=1)
    WeeklyReport.objects.filter(id=report.id).update(send_claimed_at=dead_since)

    assert weekly_report_send(report=report, now=NOW) is True
    assert len(mailoutbox) == 1
    assert WeeklyReport.objects.get().sent_at == NOW


def test_a_live_send_lease_makes_a_duplicate_task_wait_not_send(report, mailoutbox):
    WeeklyReport.objects.filter(id=report.id).update(send_claimed_at=NOW - timedelta(seconds=5))

    with pytest.raises(SendInProgressError) as raised:
        weekly_report_send(report=report, now=NOW)

    assert mailoutbox == []
    assert raised.value.retry_in == pytest.approx(settings.CELERY_TASK_TIME_LIMIT - 5)


def test_a_database_outage_is_a_json_503_with_retry_after_on_the_api(monkeypatch):
    from programs.api import views

    patient = PatientFactory()

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.MyWalkViewSet, "get_queryset", down)
    r = client_for(patient.user).get("/api/v1/me/walks/")

    assert r.status_code == 503
    assert r.json() == {"detail": "Service temporarily unavailable, please retry."}
    assert r["Retry-After"]


def test_a_database_outage_is_a_plain_503_page_elsewhere(client, monkeypatch):
    from django.contrib.sessions.backends import db

    def down(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(db.SessionStore, "load", down)
    client.cookies["sessionid"] = "abcdefghijklmnopqrstuvwxyz012345"
    # The session is read by a middleware, outside any view: handler500 answers, as in
    # production (the test client would otherwise re-raise the exception).
    client.raise_request_exception = False
    r = client.get("/admin/")

    assert r.status_code == 503
    assert b"briefly unavailable" in r.content
    assert b"Traceback" not in r.content
    assert r["Retry-After"]


def test_a_database_error_outside_any_view_is_a_503_not_a_500(rf):
    from django.db import OperationalError

    from clinic.middleware import server_error

    request = rf.get("/admin/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)

    assert response.status_code == 503
    assert response["Retry-After"]
