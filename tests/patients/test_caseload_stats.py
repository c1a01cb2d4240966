from __future__ import annotations

from datetime import date, timedelta

import pytest

from patients.models import Alert, Patient
from patients.selectors import patients_with_caseload_stats
from programs.models import WalkingProgram, WalkLog
from tests.factories import (
    AlertFactory,
    PainCheckInFactory,
    PatientFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 25)


def stats(patient: Patient) -> Patient:
    return patients_with_caseload_stats(
        queryset=Patient.objects.filter(id=patient.id), today=TODAY
    ).get()


def walk(patient, day, **kwargs):
    return WalkLogFactory(patient=patient, local_date=day, **kwargs)


def test_it_counts_open_alerts_only():
    patient = PatientFactory()
    AlertFactory(patient=patient, kind=Alert.Kind.PAIN_RISING)
    AlertFactory(patient=patient, kind=Alert.Kind.FLARE_UP, status=Alert.Status.ACKNOWLEDGED)

    assert stats(patient).open_alerts == 1


def test_adherence_is_sessions_done_over_prescribed_capped_per_day():
    program = WalkingProgramFactory(start_date=TODAY - timedelta(days=30), sessions_per_day=2)
    patient = program.patient
    for _ in range(4):  # four walks on one day count as the day's two
        walk(patient, TODAY, program=program)
    walk(patient, TODAY - timedelta(days=1), program=program)
    walk(patient, TODAY - timedelta(days=7), program=program)  # outside the window

    assert stats(patient).adherence_7d == pytest.approx(3 / 14)


def test_adherence_counts_only_days_since_the_program_started():
    program = WalkingProgramFactory(start_date=TODAY - timedelta(days=1), sessions_per_day=1)
    walk(program.patient, TODAY, program=program)
    walk(program.patient, TODAY - timedelta(days=1), program=program)

    assert stats(program.patient).adherence_7d == 1.0


def test_adherence_follows_days_per_week():
    program = WalkingProgramFactory(
        start_date=TODAY - timedelta(days=30), sessions_per_day=1, days_per_week=5
    )
    for offset in range(5):
        walk(program.patient, TODAY - timedelta(days=offset), program=program)

    assert stats(program.patient).adherence_7d == 1.0


def test_adherence_skips_indoor_marching_where_not_allowed():
    program = WalkingProgramFactory(
        start_date=TODAY - timedelta(days=30), sessions_per_day=1, indoor_allowed=False
    )
    walk(program.patient, TODAY, program=program, kind=WalkLog.Kind.INDOOR_MARCHING)
    walk(program.patient, TODAY - timedelta(days=1), program=program)

    assert stats(program.patient).adherence_7d == pytest.approx(1 / 7)


def test_adherence_is_none_without_a_program_or_while_paused():
    without = PatientFactory()
    paused = WalkingProgramFactory(status=WalkingProgram.Status.PAUSED).patient

    assert stats(without).adherence_7d is None
    assert stats(paused).adherence_7d is None


def test_pain_mean_and_change_use_check_ins_and_walks_of_the_last_7_days():
    patient = PatientFactory(baseline_pain=6)
    PainCheckInFactory(patient=patient, date=TODAY, score=3)
    walk(patient, TODAY - timedelta(days=6), pain_after=4)
    PainCheckInFactory(patient=patient, date=TODAY - timedelta(days=7), score=10)  # too old

    row = stats(patient)

    assert row.pain_mean_7d == pytest.approx(3.5)
    assert row.pain_change == pytest.approx(-2.5)


def test_pain_is_none_without_scores():
    row = stats(PatientFactory())

    assert (row.pain_mean_7d, row.pain_change) == (None, None)


def test_it_is_one_query_for_many_patients(django_assert_num_queries):
    for _ in range(5):
        program = WalkingProgramFactory(start_date=TODAY - timedelta(days=30))
        walk(program.patient, TODAY, program=program)
        AlertFactory(patient=program.patient)

    # 1. the patients with every column annotated
    with django_assert_num_queries(1):
        rows = list(patients_with_caseload_stats(queryset=Patient.objects.all(), today=TODAY))

    assert len(rows) == 5
