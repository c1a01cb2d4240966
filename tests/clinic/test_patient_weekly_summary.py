"""A patient's own weekly summary and its opt-in email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.mail import EmailMultiAlternatives

from clinic import tasks
from clinic.models import PatientSummaryEmail
from clinic.report_queries import patient_weekly_summary
from clinic.reports import NextWeekTarget
from clinic.send_once import SendInProgressError, send_lease
from clinic.services import patient_report_settings_update, patient_summary_send
from tests.clinic.report_clinic import MONDAY, small_clinic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)


@pytest.fixture
def clinic():
    return small_clinic()


def test_patient_weekly_summary_reports_the_week_and_next_weeks_target(clinic):
    summary = patient_weekly_summary(patient=clinic.ada, week_start=MONDAY)

    assert (summary.sessions_done, summary.sessions_prescribed) == (8, 14.0)
    assert (summary.minutes_walked, summary.adherence_percent, summary.active_days) == (96, 57, 5)
    assert summary.next_week == NextWeekTarget(2, 12, 7)
    assert "8 walks (57%)" in summary.encouragement


def test_patient_weekly_summary_of_a_mid_week_joiner(clinic):
    summary = patient_weekly_summary(patient=clinic.ben, week_start=MONDAY)

    assert summary.adherence_percent == 87
    assert summary.next_week == NextWeekTarget(2, 10, 5)
    assert "right on track" in summary.encouragement


def test_patient_weekly_summary_without_a_program(clinic):
    summary = patient_weekly_summary(patient=clinic.cleo, week_start=MONDAY)

    assert summary.next_week is None
    assert summary.adherence_percent is None
    assert summary.encouragement.startswith("You logged 1 walk this week.")


def test_patient_summary_send_needs_the_opt_in(clinic, mailoutbox):
    sent = patient_summary_send(patient=clinic.ada, week_start=MONDAY, now=NOW)

    assert sent is False
    assert mailoutbox == []


def test_patient_summary_send_sends_once_a_week(clinic, mailoutbox):
    patient_report_settings_update(patient=clinic.ada, weekly_summary_email=True)

    first = patient_summary_send(patient=clinic.ada, week_start=MONDAY, now=NOW)
    second = patient_summary_send(patient=clinic.ada, week_start=MONDAY, now=NOW)

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1
    assert "Next week: 2 walks of 12 minutes" in mailoutbox[0].body
    assert PatientSummaryEmail.objects.get().sent_at == NOW


def test_a_duplicated_summary_task_sends_one_email(clinic, mailoutbox):
    patient_report_settings_update(patient=clinic.ben, weekly_summary_email=True)

    tasks.send_patient_weekly_summary(clinic.ben.id, MONDAY.isoformat())
    tasks.send_patient_weekly_summary(clinic.ben.id, MONDAY.isoformat())

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ben@example.org"]


def test_a_summary_lease_left_by_a_killed_worker_is_sent_after_it_expires(clinic, mailoutbox):
    patient_report_settings_update(patient=clinic.ada, weekly_summary_email=True)
    dead_since = NOW - send_lease() - timedelta(seconds=1)
    PatientSummaryEmail.objects.create(
        patient=clinic.ada, week_start=MONDAY, send_claimed_at=dead_since
    )

    sent = patient_summary_send(patient=clinic.ada, week_start=MONDAY, now=NOW)

    assert sent is True
    assert len(mailoutbox) == 1
    assert PatientSummaryEmail.objects.get().sent_at == NOW


def test_a_live_summary_lease_makes_a_duplicate_task_wait_not_send(clinic, mailoutbox):
    patient_report_settings_update(patient=clinic.ada, weekly_summary_email=True)
    PatientSummaryEmail.objects.create(
        patient=clinic.ada, week_start=MONDAY, send_claimed_at=NOW - timedelta(seconds=5)
    )

    with pytest.raises(SendInProgressError):
        patient_summary_send(patient=clinic.ada, week_start=MONDAY, now=NOW)

    assert mailoutbox == []


def test_a_failed_summary_send_releases_the_lease_for_the_retry(clinic, mailoutbox, monkeypatch):
    patient_report_settings_update(patient=clinic.ada, weekly_summary_email=True)

    def smtp_down(self, *args, **kwargs):
        raise OSError("connection refused")

    with monkeypatch.context() as m:
        m.setattr(EmailMultiAlternatives, "send", smtp_down)
        with pytest.raises(OSError, match="connection refused"):
            patient_summary_send(patient=clinic.ada, week_start=MONDAY, now=NOW)
    retried = patient_summary_send(patient=clinic.ada, week_start=MONDAY, now=NOW)

    assert retried is True
    assert len(mailoutbox) == 1


def test_the_summary_email_has_a_stable_message_id(clinic, mailoutbox):
    patient_report_settings_update(patient=clinic.ada, weekly_summary_email=True)

    patient_summary_send(patient=clinic.ada, week_start=MONDAY, now=NOW)

    row = PatientSummaryEmail.objects.get()
    assert mailoutbox[0].extra_headers["Message-ID"] == (
        f"<walkrx-patient-summary-{row.pk}@walkrx.local>"
    )
