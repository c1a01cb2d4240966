"""The weekly report's figures computed in PostgreSQL equal the pure rules' (Python path).

caseload_weeks(in_database=...) picks the path; on generated data and on the edge cases
below, every PatientWeek field must be the same (adherence floats included).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from clinic.report_queries import caseload_weeks
from clinic.reports import PatientWeek, report_week_for
from patients.models import Patient
from programs.models import TargetChange, WalkingProgram, WalkLog
from tests.bench.conftest import NOW
from tests.factories import (
    PainCheckInFactory,
    PatientFactory,
    TargetChangeFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's only"
    ),
]

MONDAY = report_week_for(NOW, "Europe/London")  # 16 March 2026, the week before NOW
SUNDAY = MONDAY + timedelta(days=6)
INDOOR = WalkLog.Kind.INDOOR_MARCHING
PROGRESSED = TargetChange.Reason.PROGRESSED


def _weeks(*, in_database: bool) -> list[PatientWeek]:
    return list(
        caseload_weeks(
            patients=Patient.objects.all(),
            week_start=MONDAY,
            clinic_timezone="Europe/London",
            in_database=in_database,
        )
    )


def _week_of(patient: Patient) -> PatientWeek:
    (week,) = (w for w in _weeks(in_database=True) if w.patient_id == patient.id)
    return week


def _walk(patient: Patient, on: date, hour: int = 12, count: int = 1, **fields) -> None:
    """``count`` walks on the patient's local day ``on`` at ``hour``:00 local time."""
    started = datetime.combine(on, time(hour), tzinfo=ZoneInfo(patient.timezone))
    for i in range(count):
        WalkLogFactory(patient=patient, started_at=started.replace(minute=i), **fields)


def _walk_daily(program: WalkingProgram, days: int = 21, until: date = SUNDAY, **fields) -> None:
    """Two walks a day (three on Wednesdays) for ``days`` days to ``until``."""
    for n in range(days):
        on = until - timedelta(days=n)
        _walk(program.patient, on, count=3 if on.weekday() == 2 else 2, **fields)


def _indoor_marching_not_counted() -> Patient:
    program = WalkingProgramFactory(start_date=MONDAY - timedelta(weeks=4), indoor_allowed=False)
    # Outdoors to the report week's Wednesday, then only indoor marching.
    _walk_daily(program, days=17, until=MONDAY + timedelta(days=2))
    _walk_daily(program, days=4, kind=INDOOR, duration_minutes=13)
    return program.patient


def _paused() -> Patient:
    program = WalkingProgramFactory(
        start_date=MONDAY - timedelta(weeks=4), status=WalkingProgram.Status.PAUSED
    )
    _walk_daily(program)
    return program.patient


def _completed_mid_week() -> Patient:
    program = WalkingProgramFactory(
        start_date=MONDAY - timedelta(weeks=4),
        end_date=MONDAY + timedelta(days=2),
        status=WalkingProgram.Status.COMPLETED,
    )
    _walk_daily(program)
    return program.patient


def _completed_without_end_date() -> Patient:
    program = WalkingProgramFactory(
        start_date=MONDAY - timedelta(weeks=4), status=WalkingProgram.Status.COMPLETED
    )
    _walk_daily(program)
    return program.patient


def _starting_mid_week() -> Patient:
    program = WalkingProgramFactory(start_date=MONDAY + timedelta(days=3), days_per_week=5)
    _walk_daily(program)
    return program.patient


def _two_target_changes_on_one_day() -> Patient:
    program = WalkingProgramFactory(start_date=MONDAY - timedelta(weeks=3), days_per_week=5)
    thursday = MONDAY + timedelta(days=3)
    TargetChangeFactory(
        program=program, effective_on=thursday, sessions_per_day=3, reason=PROGRESSED
    )
    # Created last, so in force from Thursday: one session of 17 minutes, 6 days a week.
    TargetChangeFactory(
        program=program,
        effective_on=thursday,
        sessions_per_day=1,
        minutes_per_session=17,
        days_per_week=6,
        reason=TargetChange.Reason.THERAPIST_EDIT,
    )
    _walk_daily(program)
    return program.patient


def _second_program() -> Patient:
    first = WalkingProgramFactory(
        start_date=MONDAY - timedelta(weeks=6),
        end_date=MONDAY - timedelta(weeks=2),
        status=WalkingProgram.Status.COMPLETED,
        indoor_allowed=False,
    )
    # The report follows the latest program started by the week's end.
    WalkingProgramFactory(
        patient=first.patient, start_date=MONDAY - timedelta(days=4), sessions_per_day=1
    )
    _walk_daily(first, kind=INDOOR)
    return first.patient


def _progressed_from_next_monday() -> Patient:
    program = WalkingProgramFactory(start_date=MONDAY - timedelta(weeks=2))
    TargetChangeFactory(
        program=program,
        effective_on=SUNDAY + timedelta(days=1),
        minutes_per_session=12,
        reason=PROGRESSED,
    )
    _walk_daily(program)
    return program.patient


def _far_time_zone() -> Patient:
    # Kiritimati is UTC+14: a walk at 08:00 on its Monday is Sunday evening in UTC.
    program = WalkingProgramFactory(
        start_date=MONDAY - timedelta(weeks=2), patient__timezone="Pacific/Kiritimati"
    )
    for n in range(-1, 8):
        _walk(program.patient, MONDAY + timedelta(days=n), hour=8, count=2, pain_after=n % 5)
    PainCheckInFactory(patient=program.patient, date=MONDAY, score=6)
    return program.patient


def _walks_without_a_program() -> Patient:
    patient = PatientFactory()
    _walk(patient, MONDAY, count=2)
    _walk(patient, MONDAY + timedelta(days=5), kind=INDOOR, pain_after=None)
    return patient


def _check_ins_only() -> Patient:
    patient = PatientFactory()
    PainCheckInFactory(patient=patient, date=MONDAY, score=7)
    PainCheckInFactory(patient=patient, date=SUNDAY, score=9, flare_up=True)
    return patient


def _program_not_started() -> Patient:
    program = WalkingProgramFactory(start_date=MONDAY + timedelta(days=9))
    _walk_daily(program)
    return program.patient


EDGE_CASES: dict[str, Callable[[], Patient]] = {
    "indoor marching not counted": _indoor_marching_not_counted,
    "paused": _paused,
    "completed mid-week": _completed_mid_week,
    "completed without end date": _completed_without_end_date,
    "starting mid-week": _starting_mid_week,
    "two target changes on one day": _two_target_changes_on_one_day,
    "progressed from next Monday": _progressed_from_next_monday,
    "second program": _second_program,
    "far time zone": _far_time_zone,
    "walks without a program": _walks_without_a_program,
    "check-ins only": _check_ins_only,
    "program not started": _program_not_started,
}


def test_it_gives_the_python_rules_figures_on_generated_data(small_caseload):
    in_sql = _weeks(in_database=True)

    assert in_sql == _weeks(in_database=False)
    assert len(in_sql) == 24
    assert any(w.adherence.sessions_prescribed > 0 for w in in_sql)


@pytest.mark.parametrize("case", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_it_gives_the_python_rules_figures_on_an_edge_case(small_caseload, case):
    case()

    in_sql = _weeks(in_database=True)

    assert in_sql == _weeks(in_database=False)
    assert len(in_sql) == 25


def test_it_counts_the_last_created_of_two_target_changes_on_one_day(small_caseload):
    week = _week_of(_two_target_changes_on_one_day())

    # Mon-Wed 2 sessions x 5/7 days a week x 10 minutes; Thu-Sun 1 x 6/7 x 17 minutes.
    assert week.adherence.sessions_prescribed == round((3 * 2 * 5 + 4 * 6) / 7, 6)
    assert week.adherence.minutes_prescribed == round((3 * 2 * 5 * 10 + 4 * 6 * 17) / 7, 6)
    # Thursday to Sunday count one session each (capped at the day's target).
    assert week.adherence.sessions_done == 3 * 2 + 4
    assert week.program_change == "Therapist edit"
    assert week.next_target == (1, 17, 6)


def test_it_leaves_out_indoor_marching_where_the_program_does_not_allow_it(small_caseload):
    week = _week_of(_indoor_marching_not_counted())

    # Mon-Wed's 7 outdoor walks of 10 minutes count; Thu-Sun's 8 marching of 13 do not.
    assert (week.adherence.sessions_done, week.adherence.minutes_done) == (6, 70)
    assert week.active_days == 3
    assert (week.walks, week.minutes_walked) == (15, 70 + 8 * 13)
