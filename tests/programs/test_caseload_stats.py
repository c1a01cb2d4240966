from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from patients.models import Alert, Patient
from programs.caseload import (
    caseload_adherence,
    caseload_stats_for_page,
    patients_with_caseload_stats,
)
from programs.models import TargetChange, WalkingProgram, WalkLog
from programs.selectors import program_adherence
from programs.services import program_set_target
from tests.factories import (
    AlertFactory,
    PainCheckInFactory,
    PatientFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def _walk(patient: Patient, days_ago: int, **kwargs) -> WalkLog:
    started = NOW - timedelta(days=days_ago, hours=1)
    return WalkLogFactory(patient=patient, started_at=started, **kwargs)


def _annotated(patient: Patient) -> Patient:
    return patients_with_caseload_stats(Patient.objects.filter(pk=patient.pk), now=NOW).get()


def _page(patient: Patient) -> Patient:
    row = Patient.objects.get(pk=patient.pk)
    caseload_stats_for_page([row], now=NOW)
    return row


@pytest.fixture(params=[_annotated, _page], ids=["annotated", "page"])
def stats(request):
    """Both ways of computing the columns: SQL annotations, and a page's grouped queries."""
    return request.param


def _assert_matches_the_pure_rule(stats, program: WalkingProgram) -> None:
    expected = program_adherence(program=program, start=TODAY - timedelta(days=6), end=TODAY)
    row = stats(program.patient)

    got = caseload_adherence(row)

    assert (got.sessions_done, got.sessions_prescribed) == (
        expected.sessions_done,
        expected.sessions_prescribed,
    )
    assert got.percent == expected.percent


def test_it_caps_each_day_at_the_prescribed_sessions_like_program_adherence(stats):
    program = WalkingProgramFactory(start_date=TODAY - timedelta(days=30), sessions_per_day=2)
    for _ in range(4):
        _walk(program.patient, 0)
    _walk(program.patient, 1)
    _walk(program.patient, 3)
    _walk(program.patient, 3)
    _walk(program.patient, 9)  # outside the window

    _assert_matches_the_pure_rule(stats, program)
    assert caseload_adherence(stats(program.patient)).sessions_done == 5


def test_it_follows_target_history_and_days_per_week_like_program_adherence(stats):
    program = WalkingProgramFactory(
        start_date=TODAY - timedelta(days=30), sessions_per_day=1, days_per_week=5
    )
    program_set_target(
        program=program,
        sessions_per_day=3,
        minutes_per_session=12,
        effective_on=TODAY - timedelta(days=2),
        reason=TargetChange.Reason.PROGRESSED,
    )
    for days_ago in (0, 0, 0, 1, 1, 4, 5, 5):
        _walk(program.patient, days_ago)

    _assert_matches_the_pure_rule(stats, program)


def test_it_ignores_days_before_the_start_and_disallowed_indoor_walks(stats):
    program = WalkingProgramFactory(
        start_date=TODAY - timedelta(days=2), sessions_per_day=2, indoor_allowed=False
    )
    _walk(program.patient, 5)  # before the start
    _walk(program.patient, 1, kind=WalkLog.Kind.INDOOR_MARCHING)
    _walk(program.patient, 1)

    _assert_matches_the_pure_rule(stats, program)
    assert caseload_adherence(stats(program.patient)).percent == 17


def test_it_has_no_adherence_for_a_paused_program(stats):
    program = WalkingProgramFactory(
        start_date=TODAY - timedelta(days=30), status=WalkingProgram.Status.PAUSED
    )
    _walk(program.patient, 1)

    _assert_matches_the_pure_rule(stats, program)
    assert caseload_adherence(stats(program.patient)).percent is None


def test_it_uses_each_patients_local_today(stats):
    # 12:00 UTC on the 20th is already the 21st in Auckland.
    program = WalkingProgramFactory(
        patient=PatientFactory(timezone="Pacific/Auckland"),
        start_date=TODAY - timedelta(days=30),
        sessions_per_day=1,
    )
    WalkLogFactory(patient=program.patient, started_at=NOW)  # the 21st, local

    row = stats(program.patient)

    assert row.last_walk_on == date(2026, 11, 21)
    assert caseload_adherence(row).sessions_done == 1


def test_it_annotates_target_pain_last_walk_and_open_alerts(stats):
    program = WalkingProgramFactory(
        start_date=TODAY - timedelta(days=30), sessions_per_day=2, minutes_per_session=15
    )
    patient = program.patient
    _walk(patient, 2, pain_after=4)
    PainCheckInFactory(patient=patient, date=TODAY, score=6)
    PainCheckInFactory(patient=patient, date=TODAY - timedelta(days=8), score=2)
    AlertFactory(patient=patient, kind=Alert.Kind.PAIN_RISING)
    AlertFactory(patient=patient, kind=Alert.Kind.LOW_ADHERENCE, status=Alert.Status.RESOLVED)

    row = stats(patient)

    assert (row.current_sessions_per_day, row.current_minutes_per_session) == (2, 15)
    assert row.pain_mean == pytest.approx(5.0)
    assert row.previous_pain_mean == pytest.approx(2.0)
    assert row.pain_change == pytest.approx(3.0)
    assert row.last_walk_on == TODAY - timedelta(days=2)
    assert row.open_alerts == 1


def test_it_leaves_columns_empty_for_a_patient_without_program_or_data(stats):
    patient = PatientFactory()

    row = stats(patient)

    assert row.current_program_id is None
    assert row.pain_mean is None
    assert row.pain_change is None
    assert row.last_walk_on is None
    assert row.open_alerts == 0
    assert caseload_adherence(row).percent is None
