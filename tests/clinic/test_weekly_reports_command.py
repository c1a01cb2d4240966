"""python manage.py weekly_reports: regenerate or backfill on purpose."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from clinic.models import WeeklyReport
from tests.clinic.report_clinic import MONDAY, small_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return small_clinic()


def test_it_builds_and_sends_a_chosen_week_for_one_therapist(clinic, mailoutbox):
    call_command("weekly_reports", week="2026-W47", therapist="terry")

    report = WeeklyReport.objects.get()
    assert (report.therapist, report.week_start) == (clinic.therapist, MONDAY)
    assert len(mailoutbox) == 1


def test_it_does_not_send_twice_without_resend(clinic, mailoutbox):
    call_command("weekly_reports", week="2026-W47", therapist="terry")
    call_command("weekly_reports", week="2026-W47", therapist="terry")

    assert WeeklyReport.objects.count() == 1
    assert len(mailoutbox) == 1


def test_it_sends_again_with_resend(clinic, mailoutbox):
    call_command("weekly_reports", week="2026-W47", therapist="terry")
    call_command("weekly_reports", week="2026-W47", therapist="terry", resend=True)

    assert WeeklyReport.objects.count() == 1
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("week", ["2026-47", "2026-W60", "last"])
def test_it_rejects_a_bad_week(clinic, week):
    with pytest.raises(CommandError, match="--week"):
        call_command("weekly_reports", week=week)

    assert WeeklyReport.objects.count() == 0


def test_it_rejects_an_unknown_therapist(clinic):
    with pytest.raises(CommandError, match="--therapist"):
        call_command("weekly_reports", therapist="nobody")
