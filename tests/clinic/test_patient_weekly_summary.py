"""A patient's own weekly summary and its opt-in email."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clinic import tasks
from clinic.models import PatientSummaryEmail
from clinic.report_queries import patient_weekly_summary
from clinic.reports import NextWeekTarget
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
