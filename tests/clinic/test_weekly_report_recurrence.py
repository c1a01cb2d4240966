"""The weekly report's clinic-level days to first recurrence (Kaplan-Meier curve + median)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from clinic.report_render import render_html
from clinic.reports import step_curve
from clinic.services import clinic_recurrence_data, weekly_report_build
from programs.models import RecurrenceCheckIn, WalkingProgram
from tests.factories import PatientFactory, TherapistFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("UTC"))


def maintained(therapist, since: date, episode: date | None = None) -> WalkingProgram:
    program = WalkingProgramFactory(
        patient=PatientFactory(therapist=therapist),
        start_date=date(2026, 3, 1),
        phase=WalkingProgram.Phase.MAINTENANCE,
        maintenance_started_on=since,
    )
    if episode:
        RecurrenceCheckIn.objects.create(
            patient=program.patient,
            month=episode.replace(day=1),
            had_episode=True,
            episode_started_on=episode,
        )
    return program


def test_clinic_recurrence_data_counts_the_whole_clinic():
    therapist = TherapistFactory()
    colleague = TherapistFactory(clinic=therapist.clinic)
    maintained(therapist, date(2026, 9, 1), episode=date(2026, 9, 11))
    maintained(colleague, date(2026, 9, 1), episode=date(2026, 9, 21))
    maintained(TherapistFactory(), date(2026, 9, 1), episode=date(2026, 9, 2))

    data = clinic_recurrence_data(clinic=therapist.clinic, until=date(2026, 11, 22))

    assert (data["patients"], data["events"], data["median_days"]) == (2, 2, 10)
    assert [(p["day"], p["survival"]) for p in data["points"]] == [(10, 0.5), (20, 0.0)]


def test_the_report_shows_the_curve_and_the_median():
    therapist = TherapistFactory()
    maintained(therapist, date(2026, 9, 1), episode=date(2026, 9, 11))
    maintained(therapist, date(2026, 9, 1))

    report = weekly_report_build(therapist=therapist, week_start=MONDAY, now=NOW)

    assert report.data["recurrence"]["median_days"] == 10
    assert "days to first recurrence" in report.html
    assert "<b>10 days</b>median time to recurrence" in report.html
    assert '<path d="M2.0,2.0 H' in report.html


def test_the_report_leaves_out_the_section_without_maintenance_patients():
    therapist = TherapistFactory()
    WalkingProgramFactory(patient=PatientFactory(therapist=therapist))

    report = weekly_report_build(therapist=therapist, week_start=MONDAY, now=NOW)

    assert report.data["recurrence"]["patients"] == 0
    assert "days to first recurrence" not in report.html


def test_a_report_stored_before_the_curve_still_renders():
    therapist = TherapistFactory()
    report = weekly_report_build(therapist=therapist, week_start=MONDAY, now=NOW)
    data = {k: v for k, v in report.data.items() if k != "recurrence"}

    assert "Weekly adherence report" in render_html(data)


@pytest.mark.parametrize(
    ("points", "path"),
    [
        # 100 days wide on 100 - 4 px: x = 2 + 0.96 * day; y = 2 + 46 * (1 - S).
        ([(50, 0.5), (100, 0.5)], "M2.0,2.0 H50.0 V25.0 H98.0"),
        ([(25, 1.0), (100, 0.0)], "M2.0,2.0 H26.0 H98.0 V48.0"),
    ],
)
def test_step_curve_draws_horizontal_then_vertical_steps(points, path):
    curve = step_curve(points, median_days=50, width=100, height=50)

    assert curve.path == path
    assert (curve.median_x, curve.half_y, curve.max_day) == (50.0, 25.0, 100)


def test_step_curve_without_points_draws_nothing():
    assert step_curve([]).path == ""
