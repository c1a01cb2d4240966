from __future__ import annotations

from datetime import date, timedelta

import pytest

from programs.models import TargetChange
from programs.selectors import patient_daily_pain, patient_target_changes
from programs.services import program_set_target
from tests.factories import (
    PainCheckInFactory,
    PatientFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 16)


def test_patient_daily_pain_averages_check_ins_and_walks_per_day(django_assert_num_queries):
    patient = PatientFactory()
    PainCheckInFactory(patient=patient, date=MONDAY, score=6)
    WalkLogFactory(patient=patient, local_date=MONDAY, pain_after=3)
    WalkLogFactory(patient=patient, local_date=MONDAY + timedelta(days=2), pain_after=2)
    PainCheckInFactory(patient=PatientFactory(), date=MONDAY, score=10)

    # One query: the check-ins' and the walks' pain-after sums per day (UNION ALL).
    with django_assert_num_queries(1):
        pain = patient_daily_pain(patient=patient, start=MONDAY, end=MONDAY + timedelta(days=6))

    assert [(p.day, p.mean) for p in pain] == [(MONDAY, 4.5), (MONDAY + timedelta(days=2), 2.0)]


def test_patient_daily_pain_leaves_out_days_outside_the_window():
    patient = PatientFactory()
    PainCheckInFactory(patient=patient, date=MONDAY - timedelta(days=1), score=7)

    assert patient_daily_pain(patient=patient, start=MONDAY, end=MONDAY) == []


def test_patient_target_changes_lists_the_window_oldest_first():
    program = WalkingProgramFactory(start_date=MONDAY - timedelta(days=30))
    program_set_target(
        program=program,
        sessions_per_day=2,
        minutes_per_session=11,
        effective_on=MONDAY + timedelta(days=3),
        reason=TargetChange.Reason.PROGRESSED,
    )
    WalkingProgramFactory(start_date=MONDAY)  # another patient's program

    changes = patient_target_changes(
        patient=program.patient, start=MONDAY, end=MONDAY + timedelta(days=6)
    )

    assert [(c.reason, c.minutes_per_session) for c in changes] == [("progressed", 11)]
