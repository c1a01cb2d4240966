from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection

from programs.models import TargetChange, WalkingProgram
from programs.selectors import patient_today_summary, patient_weekly_progress
from programs.services import program_set_target
from tests.factories import PainCheckInFactory, WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 16)
TODAY = MONDAY + timedelta(days=9)  # Wednesday of the following week


def test_patient_today_summary_counts_todays_walks():
    program = WalkingProgramFactory(start_date=MONDAY, sessions_per_day=2, minutes_per_session=12)
    WalkLogFactory(patient=program.patient, local_date=TODAY, duration_minutes=14)
    WalkLogFactory(patient=program.patient, local_date=TODAY - timedelta(days=1))

    summary = patient_today_summary(patient=program.patient, today=TODAY)

    assert (summary.sessions_target, summary.minutes_per_session) == (2, 12)
    assert (summary.sessions_done, summary.minutes_done) == (1, 14)


def test_patient_today_summary_has_no_target_while_paused():
    program = WalkingProgramFactory(start_date=MONDAY, status=WalkingProgram.Status.PAUSED)

    summary = patient_today_summary(patient=program.patient, today=TODAY)

    assert summary.sessions_target == 0


def test_patient_weekly_progress_is_oldest_first_with_targets_and_pain():
    program = WalkingProgramFactory(start_date=MONDAY, sessions_per_day=2, minutes_per_session=10)
    program_set_target(
        program=program,
        sessions_per_day=2,
        minutes_per_session=11,
        effective_on=MONDAY + timedelta(days=7),
        reason=TargetChange.Reason.PROGRESSED,
    )
    for offset in range(7):
        WalkLogFactory(
            patient=program.patient,
            local_date=MONDAY + timedelta(days=offset),
            duration_minutes=10,
            pain_after=2,
        )
    PainCheckInFactory(patient=program.patient, date=MONDAY, score=5)

    weeks = patient_weekly_progress(patient=program.patient, weeks=3, today=TODAY)

    assert [w.week_start for w in weeks] == [
        MONDAY - timedelta(days=7),
        MONDAY,
        MONDAY + timedelta(days=7),
    ]
    first_week = weeks[1]
    assert (first_week.sessions, first_week.target_sessions) == (7, 14)
    assert (first_week.minutes, first_week.target_minutes) == (70, 140)
    assert first_week.adherence == pytest.approx(0.5)
    assert first_week.pain_mean == pytest.approx(2.4)  # (7 x 2 + 5) / 8 = 2.375
    assert weeks[2].target_minutes == 154
    assert weeks[0].adherence is None


def test_patient_weekly_progress_without_a_program_has_no_targets():
    walk = WalkLogFactory(local_date=TODAY)

    weeks = patient_weekly_progress(patient=walk.patient, weeks=1, today=TODAY)

    assert (weeks[0].sessions, weeks[0].target_sessions, weeks[0].adherence) == (1, 0, None)


def test_patient_weekly_progress_query_count_does_not_grow(django_assert_num_queries):
    program = WalkingProgramFactory(start_date=MONDAY)
    WalkLogFactory.create_batch(20, patient=program.patient, local_date=MONDAY)

    # 1 current program, then on PostgreSQL one statement for the days; elsewhere 2 target
    # changes, 3 walks per day, 4 check-ins' and walks' pain per day, 5 steps per day.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 5):
        patient_weekly_progress(patient=program.patient, weeks=8, today=TODAY)


def test_patient_weekly_progress_adds_the_weeks_steps_taking_the_larger_source_per_day():
    from programs.models import DailySteps

    walk = WalkLogFactory(local_date=MONDAY)
    patient = walk.patient
    for day_offset, source, steps in [(0, "csv", 5000), (0, "fitbit", 6000), (1, "fitbit", 700)]:
        DailySteps.objects.create(
            patient=patient, date=MONDAY + timedelta(days=day_offset), source=source, steps=steps
        )
    DailySteps.objects.create(
        patient=patient, date=MONDAY - timedelta(days=1), source="csv", steps=9
    )

    weeks = patient_weekly_progress(patient=patient, weeks=3, today=TODAY)

    # The week before MONDAY, MONDAY's week (max 6000 + 700, not 11700), this week.
    assert [w.steps for w in weeks] == [9, 6700, 0]


def test_patient_weekly_progress_counts_a_check_in_and_a_walk_of_the_same_score_on_one_day():
    walk = WalkLogFactory(local_date=MONDAY, pain_after=4)
    PainCheckInFactory(patient=walk.patient, date=MONDAY, score=4)
    PainCheckInFactory(patient=walk.patient, date=MONDAY + timedelta(days=1), score=1)

    (week,) = patient_weekly_progress(patient=walk.patient, weeks=1, today=MONDAY)

    assert week.pain_mean == 3.0  # (4 + 4 + 1) / 3, not (4 + 1) / 2


def _varied_patient(*, indoor_allowed: bool, status: str) -> WalkingProgram:
    """Walks of every kind, pain from walks and check-ins, steps from two sources, and
    target changes (two on one day) across the 3 weeks to TODAY."""
    from programs.models import DailySteps

    program = WalkingProgramFactory(
        start_date=MONDAY - timedelta(days=3),
        end_date=TODAY - timedelta(days=1),
        indoor_allowed=indoor_allowed,
        status=status,
        sessions_per_day=2,
        minutes_per_session=10,
    )
    for effective_on, minutes in [(MONDAY, 12), (MONDAY + timedelta(days=4), 13)]:
        for extra in (0, 1):  # two changes on one day: the later one wins
            program_set_target(
                program=program,
                sessions_per_day=2 + extra,
                minutes_per_session=minutes + extra,
                effective_on=effective_on,
                reason=TargetChange.Reason.PROGRESSED,
            )
    patient = program.patient
    kinds = ["outdoor", "indoor_marching", "treadmill"]
    for offset in range(-10, 10):
        day = MONDAY + timedelta(days=offset)
        for i in range(offset % 3):
            WalkLogFactory(
                patient=patient,
                local_date=day,
                kind=kinds[(offset + i) % 3],
                duration_minutes=5 + i,
                pain_after=None if i == 1 else (offset + i) % 11,
            )
        if offset % 2:
            PainCheckInFactory(patient=patient, date=day, score=(offset * 3) % 11)
        if offset % 4 == 0:
            DailySteps.objects.create(patient=patient, date=day, source="csv", steps=1000 + offset)
            DailySteps.objects.create(patient=patient, date=day, source="fitbit", steps=1500)
    return program


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path")
@pytest.mark.parametrize("indoor_allowed", [True, False])
@pytest.mark.parametrize("status", [WalkingProgram.Status.ACTIVE, WalkingProgram.Status.PAUSED])
def test_the_progress_statement_gives_the_plain_definitions_figures(indoor_allowed, status):
    from programs.selectors import _progress_days, _progress_days_sql

    program = _varied_patient(indoor_allowed=indoor_allowed, status=status)
    window = {"start": MONDAY - timedelta(days=14), "end": TODAY + timedelta(days=4)}

    fast = _progress_days_sql(patient=program.patient, program=program, **window)
    plain = _progress_days(patient=program.patient, program=program, **window)

    assert fast == plain
    prescribed = {t.sessions_per_day for t in plain[0]}
    # Paused prescribes nothing; active, the later of a day's two changes (3 sessions).
    assert prescribed == ({0} if status == WalkingProgram.Status.PAUSED else {0, 2, 3})
    assert all(plain[1:])  # walks that count, pain and steps on some days


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path")
def test_the_progress_statement_without_a_program_gives_the_plain_figures():
    from programs.selectors import _progress_days, _progress_days_sql

    program = _varied_patient(indoor_allowed=False, status=WalkingProgram.Status.ACTIVE)
    window = {"start": MONDAY - timedelta(days=14), "end": TODAY}

    fast = _progress_days_sql(patient=program.patient, program=None, **window)
    plain = _progress_days(patient=program.patient, program=None, **window)

    assert fast == plain
    assert fast[0] == []


def _today_patient(*, status, indoor_allowed, start_offset, change_offsets):
    """A program starting ``start_offset`` days from TODAY, with two target changes on each
    of ``change_offsets`` (the later created wins), and walks of every kind today."""
    program = WalkingProgramFactory(
        start_date=TODAY + timedelta(days=start_offset),
        status=status,
        indoor_allowed=indoor_allowed,
        sessions_per_day=2,
        minutes_per_session=10,
    )
    for offset in change_offsets:
        for extra in (0, 1):
            TargetChange.objects.create(
                program=program,
                effective_on=TODAY + timedelta(days=offset),
                sessions_per_day=3 + extra,
                minutes_per_session=20 + offset + extra,
                days_per_week=5,
                reason=TargetChange.Reason.PROGRESSED,
            )
    for i, kind in enumerate(["outdoor", "indoor_marching", "treadmill", "indoor_marching"]):
        WalkLogFactory(patient=program.patient, local_date=TODAY, kind=kind, duration_minutes=5 + i)
    WalkLogFactory(patient=program.patient, local_date=TODAY - timedelta(days=1))
    return program


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path")
@pytest.mark.parametrize(
    "status",
    [
        WalkingProgram.Status.ACTIVE,
        WalkingProgram.Status.PAUSED,
        WalkingProgram.Status.FLARE_UP,
        WalkingProgram.Status.COMPLETED,  # not current: no program, every walk counts
    ],
)
@pytest.mark.parametrize("indoor_allowed", [True, False])
@pytest.mark.parametrize(
    ("start_offset", "change_offsets"),
    [(-7, [-7, 0]), (-7, [-7, 1]), (-7, []), (1, [1])],  # today, tomorrow, none, not started
)
def test_the_today_statement_gives_the_plain_definitions_figures(
    status, indoor_allowed, start_offset, change_offsets
):
    from programs.selectors import _today_summary, _today_summary_sql

    program = _today_patient(
        status=status,
        indoor_allowed=indoor_allowed,
        start_offset=start_offset,
        change_offsets=change_offsets,
    )

    fast = _today_summary_sql(patient=program.patient, today=TODAY)
    plain = _today_summary(patient=program.patient, today=TODAY)

    assert fast == plain
    assert plain.sessions_done in {2, 4}  # indoor marching counted or not
