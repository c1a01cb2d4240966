from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from programs import watch
from programs.models import CheckRun, TargetChange, WalkingProgram
from programs.watch import progression_check
from tests.factories import PatientFactory
from tests.programs.watch_helpers import DAY, NOW, checkins, program_for, walk_days

pytestmark = pytest.mark.django_db

TOMORROW = DAY + timedelta(days=1)


def due_program(**fields) -> WalkingProgram:
    """1 x 10 min, +1 every 7 days, last progressed so that one is due after DAY."""
    values = {"increment_every_days": 7, "last_progression_on": TOMORROW - timedelta(days=7)}
    values.update(fields)
    return program_for(**values)


def flare_plan_program(**fields) -> WalkingProgram:
    """A due program in its flare-up plan, stepped back from 2 x 12 min at pain 3."""
    values = {
        "status": WalkingProgram.Status.FLARE_UP,
        "pre_flare_sessions_per_day": 2,
        "pre_flare_minutes_per_session": 12,
        "pre_flare_pain": 3.0,
    }
    values.update(fields)
    return due_program(**values)


def run(*programs, day=DAY):
    return progression_check(patient_ids=[p.patient_id for p in programs], day=day, now=NOW)


def latest_change(program) -> TargetChange:
    return program.target_changes.order_by("-id").first()


def test_progression_advances_by_the_increment_when_adherent_and_pain_steady():
    program = due_program()
    walk_days(program.patient, range(7))  # 100%
    checkins(program.patient, {0: 3, 8: 3})

    run(program)

    program.refresh_from_db()
    assert program.minutes_per_session == 11
    assert program.last_progression_on == TOMORROW
    change = latest_change(program)
    assert (change.reason, change.effective_on, change.minutes_per_session) == (
        TargetChange.Reason.PROGRESSED,
        TOMORROW,
        11,
    )


def test_progression_saves_every_field_of_the_flare_plan_and_its_history_row():
    program = due_program(days_per_week=5)
    checkins(program.patient, {0: 4}, flare_up=True)
    before = timezone.now()

    run(program)

    program.refresh_from_db()
    saved = (
        program.status,
        program.sessions_per_day,
        program.minutes_per_session,
        program.pre_flare_sessions_per_day,
        program.pre_flare_minutes_per_session,
        program.pre_flare_pain,
        program.last_progression_on,
    )
    assert saved == (WalkingProgram.Status.FLARE_UP, 2, 5, 1, 10, 5.0, TOMORROW)
    change = latest_change(program)
    assert (change.effective_on, change.sessions_per_day, change.minutes_per_session) == (
        TOMORROW,
        2,
        5,
    )
    assert (change.days_per_week, change.reason, change.changed_by) == (5, "flare_up", None)
    assert change.note.startswith("Flare-up reported")
    assert change.created_at >= before


def test_progression_holds_below_80_percent_adherence_and_says_why():
    program = due_program()
    walk_days(program.patient, range(5))  # 5 of 7: 71%

    run(program)

    program.refresh_from_db()
    assert program.minutes_per_session == 10
    change = latest_change(program)
    assert change.reason == TargetChange.Reason.HELD
    assert "71%" in change.note


def test_progression_never_goes_above_the_maximum():
    program = due_program(minutes_per_session=30, max_minutes_per_session=30)
    walk_days(program.patient, range(7))

    run(program)

    program.refresh_from_db()
    assert program.minutes_per_session == 30
    assert program.target_changes.count() == 1  # nothing to decide at the maximum


def test_progression_does_nothing_before_an_increment_is_due():
    program = due_program(last_progression_on=TOMORROW - timedelta(days=6))
    walk_days(program.patient, range(7))

    run(program)

    assert program.target_changes.count() == 1  # the prescription only


def test_progression_steps_back_into_flare_up_mode_on_rising_pain():
    program = due_program(sessions_per_day=2)
    walk_days(program.patient, range(7), pain_after=6)
    checkins(program.patient, dict.fromkeys(range(7, 14), 3))

    run(program)

    program.refresh_from_db()
    assert program.status == WalkingProgram.Status.FLARE_UP
    assert (program.sessions_per_day, program.minutes_per_session) == (3, 5)
    assert (program.pre_flare_sessions_per_day, program.pre_flare_minutes_per_session) == (2, 10)
    assert latest_change(program).reason == TargetChange.Reason.STEPPED_BACK


def test_progression_switches_to_the_flare_plan_the_day_a_flare_up_is_reported():
    program = due_program(last_progression_on=TOMORROW - timedelta(days=2))
    checkins(program.patient, {0: 6}, flare_up=True)

    run(program)

    program.refresh_from_db()
    assert program.status == WalkingProgram.Status.FLARE_UP
    assert latest_change(program).reason == TargetChange.Reason.FLARE_UP


def test_progression_resumes_after_3_days_back_within_1_point_of_the_pre_flare_level():
    program = flare_plan_program(sessions_per_day=3, minutes_per_session=5)
    checkins(program.patient, {0: 4, 1: 4, 2: 3, 3: 7})

    run(program)

    program.refresh_from_db()
    assert program.status == WalkingProgram.Status.ACTIVE
    assert (program.sessions_per_day, program.minutes_per_session) == (2, 12)
    assert latest_change(program).reason == TargetChange.Reason.RESUMED


def test_progression_stays_in_flare_mode_after_only_2_calm_days():
    program = flare_plan_program(pre_flare_sessions_per_day=1)
    checkins(program.patient, {0: 4, 1: 4, 2: 5})

    run(program)

    program.refresh_from_db()
    assert program.status == WalkingProgram.Status.FLARE_UP


@pytest.mark.parametrize(
    "fields",
    [
        {"progression_locked": True},
        {"progression_paused_for_red_flag": True},
        {"status": WalkingProgram.Status.PAUSED},
        {"status": WalkingProgram.Status.COMPLETED},
        {"end_date": DAY - timedelta(days=1)},
    ],
)
def test_progression_leaves_locked_red_flagged_paused_and_ended_programs_alone(fields):
    program = due_program(**fields)
    walk_days(program.patient, range(7))

    run(program)

    program.refresh_from_db()
    assert program.minutes_per_session == 10
    assert program.target_changes.count() == 1


def test_progression_leaves_a_program_that_starts_after_the_day_alone():
    program = due_program(start_date=TOMORROW)

    result = run(program)

    assert result.checked == 0
    assert CheckRun.objects.exists() is False


def test_progression_leaves_a_program_in_maintenance_alone():
    program = due_program(
        phase=WalkingProgram.Phase.MAINTENANCE, maintenance_started_on=DAY - timedelta(days=3)
    )
    walk_days(program.patient, range(7))

    result = run(program)

    assert result.checked == 0


def test_progression_leaves_a_discharged_patients_program_alone():
    program = due_program(patient=PatientFactory(status="discharged"))
    walk_days(program.patient, range(7))

    result = run(program)

    assert result.checked == 0


def test_progression_leaves_a_day_that_has_not_ended_in_the_patients_zone():
    # 12:00 UTC on 21 November: the 21st is under way in London, and over in Auckland.
    london = due_program(patient=PatientFactory(timezone="Europe/London"))
    auckland = due_program(patient=PatientFactory(timezone="Pacific/Auckland"))

    result = run(london, auckland, day=TOMORROW)

    assert result.checked == 1
    assert list(CheckRun.objects.values_list("patient_id", flat=True)) == [auckland.patient_id]


def test_progression_twice_for_the_same_day_changes_nothing_more():
    program = due_program()
    walk_days(program.patient, range(7))
    run(program)

    result = run(program)

    program.refresh_from_db()
    assert result.checked == 0
    assert program.minutes_per_session == 11
    assert program.target_changes.count() == 2


def change_after_the_read(monkeypatch, program, **fields):
    """Change ``program`` once progression_check has read it, as a therapist or a run for
    another day (committing while the claim waits) would."""
    read = watch._progression_inputs

    def read_then_change(*args, **kwargs):
        inputs = read(*args, **kwargs)
        WalkingProgram.objects.filter(id=program.id).update(**fields)
        return inputs

    monkeypatch.setattr(watch, "_progression_inputs", read_then_change)


@pytest.mark.parametrize(
    "fields",
    [
        {"minutes_per_session": 15},  # a therapist's new target
        {"sessions_per_day": 2},
        {"days_per_week": 5},
        {"last_progression_on": DAY},  # another run's decision
        {"status": WalkingProgram.Status.FLARE_UP},
        {"phase": WalkingProgram.Phase.MAINTENANCE, "maintenance_started_on": DAY},
        {"progression_locked": True},
        {"progression_paused_for_red_flag": True},
    ],
)
def test_progression_saves_no_decision_on_a_program_changed_since_it_was_read(monkeypatch, fields):
    program = due_program()
    walk_days(program.patient, range(7))
    change_after_the_read(monkeypatch, program, **fields)

    result = run(program)

    program.refresh_from_db()
    assert (result.checked, result.changes) == (1, 0)
    assert program.target_changes.count() == 1  # the prescription alone
    assert program.minutes_per_session == fields.get("minutes_per_session", 10)


def test_progression_saves_the_decisions_of_programs_left_as_read(monkeypatch):
    edited, untouched = due_program(), due_program()
    for program in (edited, untouched):
        walk_days(program.patient, range(7))
    change_after_the_read(monkeypatch, edited, minutes_per_session=15)

    result = run(edited, untouched)

    assert result.changes == 1
    assert latest_change(untouched).reason == TargetChange.Reason.PROGRESSED
    assert edited.target_changes.count() == 1


def test_progression_makes_the_same_queries_for_2_or_20_programs(django_assert_num_queries):
    groups = [[due_program() for _ in range(n)] for n in (2, 20)]
    for program in groups[0] + groups[1]:
        walk_days(program.patient, range(7))

    # The programs, the claims and their pain windows (PostgreSQL: one statement;
    # elsewhere the programs, the claim, walks' pain and check-ins), adherence figures
    # (PostgreSQL: one statement; elsewhere targets and walk sums), the new targets and
    # their history (PostgreSQL: one statement; elsewhere read the programs again, update
    # them, insert history), and the savepoint pair.
    expected = 5 if connection.vendor == "postgresql" else 11
    for programs in groups:
        with django_assert_num_queries(expected):
            run(*programs)


def test_programs_in_their_flare_plan_add_one_query_for_2_or_20(django_assert_num_queries):
    groups = [[flare_plan_program() for _ in range(n)] + [due_program()] for n in (2, 20)]
    for program in groups[0] + groups[1]:
        checkins(program.patient, {0: 4, 1: 4, 2: 4})  # calm: they resume

    # As above, and the pain per day of the programs in their flare plan (for the calm
    # days; PostgreSQL: one statement, elsewhere walks' pain and check-ins).
    expected = 6 if connection.vendor == "postgresql" else 13
    for programs in groups:
        with django_assert_num_queries(expected):
            run(*programs)


def test_no_adherence_figures_are_read_when_no_increment_is_due(django_assert_num_queries):
    # Decided yesterday: the next increment is six days away, and pain is steady.
    programs = [due_program(last_progression_on=DAY) for _ in range(3)]
    for program in programs:
        walk_days(program.patient, range(7))

    # The programs, the claims and their pain windows (PostgreSQL: one statement;
    # elsewhere the programs, the claim, walks' pain and check-ins) and the savepoint
    # pair: no adherence figures, nothing to save.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 6):
        result = run(*programs)

    assert (result.checked, result.changes) == (3, 0)


def test_no_adherence_figures_are_read_for_flare_plans_alone(django_assert_num_queries):
    programs = [flare_plan_program() for _ in range(3)]
    for program in programs:
        checkins(program.patient, {0: 4, 1: 4, 2: 4})  # calm: they resume

    # The programs, their claims and pain windows, the pain per day (PostgreSQL: one
    # statement each; elsewhere the programs, the claim, walks' pain and check-ins), the
    # new targets and their history (PostgreSQL: one statement; elsewhere three) and the
    # savepoint pair.
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 11):
        result = run(*programs)

    assert result.changes == 3


def test_a_flare_plan_resumes_on_its_own_calm_days_beside_an_active_program():
    calm = flare_plan_program()
    steady = due_program()
    checkins(calm.patient, {0: 4, 1: 3, 2: 4})
    walk_days(steady.patient, range(7))
    checkins(steady.patient, {0: 9, 1: 9, 2: 9})

    run(calm, steady)

    calm.refresh_from_db()
    steady.refresh_from_db()
    assert latest_change(calm).reason == TargetChange.Reason.RESUMED
    assert (calm.status, calm.minutes_per_session) == (WalkingProgram.Status.ACTIVE, 12)
    # Each program is judged on its own patient's pain: the other patient's 9s step the
    # active program back, and did not keep the calm patient from resuming.
    assert latest_change(steady).reason == TargetChange.Reason.STEPPED_BACK


def test_calm_days_count_over_the_programs_own_lookback_whatever_the_chunk_reads():
    # Calm for 20 days; another program of the chunk reads 30 days back for its period.
    calm = flare_plan_program()
    long_period = due_program(increment_every_days=30, last_progression_on=TOMORROW - timedelta(30))
    checkins(calm.patient, dict.fromkeys(range(20), 3))

    run(calm, long_period)

    assert latest_change(calm).note == (
        "Pain back within 1 point of the pre-flare level for 14 days."
    )


def test_calm_days_count_over_a_longer_increment_period_when_the_program_has_one():
    calm = flare_plan_program(increment_every_days=30, last_progression_on=TOMORROW - timedelta(30))
    checkins(calm.patient, dict.fromkeys(range(20), 3))

    run(calm)

    assert latest_change(calm).note == (
        "Pain back within 1 point of the pre-flare level for 20 days."
    )
