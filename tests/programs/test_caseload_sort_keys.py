"""Stored caseload sort keys: the refresh, the triggers that mark them stale, the sort.

The sort keys are the annotations' figures whether stored or read live
(tests/bench/test_fast_paths.py holds them equal on generated data); these tests pin
which way each is read and that no write leaves a stale figure in use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F

from patients.models import Patient
from patients.services import pain_checkin_record
from programs.caseload import (
    caseload_sort_key,
    caseload_sort_keys_refresh,
    patients_with_caseload_sort_keys,
    patients_with_caseload_stats,
)
from programs.models import CaseloadSortKeys, TargetChange, WalkingProgram, WalkLog
from programs.services import WalkIn, program_set_target, walk_log_create, walk_log_delete
from tests.factories import (
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored keys are PostgreSQL's fast path"
)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def _program(patient: Patient | None = None, **kwargs) -> WalkingProgram:
    patient = patient or PatientFactory(timezone="UTC")
    return WalkingProgramFactory(patient=patient, start_date=TODAY - timedelta(days=30), **kwargs)


def _walks(patient: Patient, days_ago: list[int], pain_after: int = 3) -> None:
    for days in days_ago:
        WalkLogFactory(
            patient=patient, started_at=NOW - timedelta(days=days, hours=1), pain_after=pain_after
        )


def _keys(patient: Patient) -> CaseloadSortKeys:
    return CaseloadSortKeys.objects.get(patient=patient)


def _sort_keys(patient: Patient, now: datetime = NOW) -> tuple:
    qs = patients_with_caseload_sort_keys(Patient.objects.filter(pk=patient.pk), now=now)
    names = ("adherence_ratio_key", "pain_mean_key", "pain_change_key")
    return (
        qs.annotate(**{f"k_{n}": F(n) for n in names}).values_list(*(f"k_{n}" for n in names)).get()
    )


def _annotations(patient: Patient, now: datetime = NOW) -> tuple:
    qs = patients_with_caseload_stats(Patient.objects.filter(pk=patient.pk), now=now)
    return qs.values_list("adherence_ratio", "pain_mean", "pain_change").get()


def _assert_same_figures(got: tuple, expected: tuple) -> None:
    """Equal figure by figure: None where none, else equal to float error."""
    assert [g is None for g in got] == [e is None for e in expected]
    for g, e in zip(got, expected, strict=True):
        if e is not None:
            assert g == pytest.approx(e, rel=1e-12)


@postgres_only
def test_a_new_patient_gets_a_row_of_stale_keys():
    patient = PatientFactory()

    keys = _keys(patient)

    assert (keys.version, keys.computed_version, keys.as_of) == (0, -1, None)


@postgres_only
def test_every_trigger_is_installed_and_enabled():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE tgname LIKE %s AND tgenabled = 'O'",
            ["%caseload_keys%"],
        )
        triggers = cursor.fetchall()

    tables = {"programs_walklog", "patients_paincheckin", "programs_walkingprogram"}
    tables |= {"programs_targetchange"}
    events = {"insert", "update", "delete", "truncate"}
    expected = {(t, f"{t}_caseload_keys_{e}") for t in tables for e in events}
    expected.add(("patients_patient", "patients_patient_caseload_keys_insert"))
    assert set(triggers) == expected


@postgres_only
def test_the_refresh_stores_the_annotations_figures():
    walker = _program().patient
    _walks(walker, [0, 1, 1, 3, 9], pain_after=6)
    PainCheckInFactory(patient=walker, date=TODAY - timedelta(days=2), score=2)
    idle = _program().patient

    refreshed = caseload_sort_keys_refresh(now=NOW)

    assert refreshed == 2
    for patient in (walker, idle):
        keys = _keys(patient)
        assert (keys.as_of, keys.computed_version) == (TODAY, keys.version)
        stored = (keys.adherence_ratio, keys.pain_mean, keys.pain_change)
        _assert_same_figures(stored, _annotations(patient))
    assert _keys(walker).pain_change is not None


@postgres_only
def test_a_refresh_with_nothing_stale_recomputes_nothing():
    _program()
    caseload_sort_keys_refresh(now=NOW)

    assert caseload_sort_keys_refresh(now=NOW) == 0


@postgres_only
def test_a_refresh_after_a_write_recomputes_only_that_patient():
    patient, _ = _program().patient, _program()
    caseload_sort_keys_refresh(now=NOW)
    _walks(patient, [0])

    assert caseload_sort_keys_refresh(now=NOW) == 1
    assert _keys(patient).computed_version == _keys(patient).version


@postgres_only
def test_a_patient_without_a_row_sorts_by_the_live_figure():
    patient = _program().patient
    _walks(patient, [0, 1, 4], pain_after=6)
    CaseloadSortKeys.objects.filter(patient=patient).delete()

    _assert_same_figures(_sort_keys(patient), _annotations(patient))
    assert _sort_keys(patient)[0] is not None


@postgres_only
def test_the_sort_reads_a_stored_figure_that_holds():
    patient = _program().patient
    _walks(patient, [0, 1])
    caseload_sort_keys_refresh(now=NOW)
    # Not a real figure: only the stored row can answer it.
    CaseloadSortKeys.objects.filter(patient=patient).update(adherence_ratio=0.123)

    assert _sort_keys(patient)[0] == 0.123


@postgres_only
def test_the_next_day_reads_the_figures_live():
    patient = _program().patient
    _walks(patient, [0, 1, 2], pain_after=7)
    caseload_sort_keys_refresh(now=NOW)
    CaseloadSortKeys.objects.filter(patient=patient).update(adherence_ratio=0.123)
    tomorrow = NOW + timedelta(days=1)

    _assert_same_figures(_sort_keys(patient, tomorrow), _annotations(patient, tomorrow))


def _log_walk(patient: Patient) -> None:
    walk_log_create(
        patient=patient,
        walk=WalkIn(
            started_at=NOW - timedelta(hours=2),
            duration_minutes=20,
            kind=WalkLog.Kind.OUTDOOR,
            talk_test=WalkLog.TalkTest.BRISK,
            pain_before=2,
            pain_after=8,
        ),
        now=NOW,
    )


def _edit_walks(patient: Patient) -> None:
    WalkLog.objects.filter(patient=patient).update(pain_after=F("pain_after") + 1)


def _delete_walk(patient: Patient) -> None:
    walk_log_delete(log=WalkLog.objects.filter(patient=patient).latest("id"), now=NOW)


def _check_in(patient: Patient) -> None:
    pain_checkin_record(patient=patient, score=9, day=TODAY, now=NOW)


def _delete_check_ins(patient: Patient) -> None:
    patient.pain_checkins.all().delete()


def _pause(patient: Patient) -> None:
    WalkingProgram.objects.filter(patient=patient).update(status=WalkingProgram.Status.PAUSED)


def _set_target(patient: Patient) -> None:
    program = WalkingProgram.objects.get(patient=patient)
    program_set_target(
        program=program,
        effective_on=TODAY - timedelta(days=3),
        sessions_per_day=4,
        minutes_per_session=program.minutes_per_session,
        reason=TargetChange.Reason.THERAPIST_EDIT,
    )


def _delete_target_history(patient: Patient) -> None:
    TargetChange.objects.filter(program__patient=patient).delete()


WRITES = [
    _log_walk,
    _edit_walks,
    _delete_walk,
    _check_in,
    _delete_check_ins,
    _pause,
    _set_target,
    _delete_target_history,
]


@postgres_only
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.__name__.strip("_"))
def test_each_write_marks_only_its_patients_keys_stale(write):
    patient, other = _program().patient, _program().patient
    for p in (patient, other):
        _walks(p, [0, 1, 2, 3], pain_after=4)
        PainCheckInFactory(patient=p, date=TODAY - timedelta(days=1), score=5)
    caseload_sort_keys_refresh(now=NOW)
    before = _keys(patient).adherence_ratio, _keys(patient).pain_mean

    write(patient)

    keys = _keys(patient)
    assert keys.version > keys.computed_version
    assert _keys(other).version == _keys(other).computed_version
    _assert_same_figures(_sort_keys(patient), _annotations(patient))
    assert _annotations(patient)[:2] != before, "the write changed a figure"


def _copy_program(patient: Patient) -> WalkingProgram:
    """A completed program beside the current one: a row of the programs table alone."""
    program = WalkingProgram.objects.get(patient=patient)
    program.pk = None
    program.status = WalkingProgram.Status.COMPLETED
    program.save()
    return program


def _delete_a_program(patient: Patient) -> None:
    """Delete a program nothing refers to (made, and its write refreshed, beforehand)."""
    program = _copy_program(patient)
    caseload_sort_keys_refresh(now=NOW)
    _raw("DELETE FROM programs_walkingprogram WHERE id = %s", program.pk)


def _raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# One statement on one table each (so no other table's trigger can stand in for it).
TABLE_WRITES = {
    "walk insert": lambda p: _walks(p, [2]),
    "walk update": lambda p: WalkLog.objects.filter(patient=p).update(duration_minutes=50),
    "walk delete": lambda p: _raw("DELETE FROM programs_walklog WHERE patient_id = %s", p.pk),
    "check-in insert": lambda p: PainCheckInFactory(patient=p, date=TODAY, score=8),
    "check-in update": lambda p: p.pain_checkins.update(score=9),
    "check-in delete": lambda p: _raw(
        "DELETE FROM patients_paincheckin WHERE patient_id = %s", p.pk
    ),
    "program insert": _copy_program,
    "program update": lambda p: WalkingProgram.objects.filter(patient=p).update(
        indoor_allowed=False
    ),
    "program delete": lambda p: _delete_a_program(p),
    "target change insert": lambda p: TargetChange.objects.create(
        program=WalkingProgram.objects.get(patient=p),
        effective_on=TODAY,
        sessions_per_day=1,
        minutes_per_session=5,
        days_per_week=7,
        reason=TargetChange.Reason.THERAPIST_EDIT,
    ),
    "target change update": lambda p: TargetChange.objects.filter(program__patient=p).update(
        sessions_per_day=3
    ),
    "target change delete": lambda p: _raw(
        "DELETE FROM programs_targetchange WHERE program_id IN "
        "(SELECT id FROM programs_walkingprogram WHERE patient_id = %s)",
        p.pk,
    ),
}


@postgres_only
@pytest.mark.parametrize("write", TABLE_WRITES.values(), ids=TABLE_WRITES.keys())
def test_each_tables_trigger_marks_the_written_patients_keys_stale(write):
    patient, other = _program().patient, _program().patient
    for p in (patient, other):
        _walks(p, [0, 1])
        PainCheckInFactory(patient=p, date=TODAY - timedelta(days=1), score=5)
    caseload_sort_keys_refresh(now=NOW)

    write(patient)

    assert _keys(patient).version == _keys(patient).computed_version + 1
    assert _keys(other).version == _keys(other).computed_version


def _new_minutes(patient: Patient) -> None:
    WalkingProgram.objects.filter(patient=patient).update(minutes_per_session=25)


def _same_sessions_and_days(patient: Patient) -> None:
    program = WalkingProgram.objects.get(patient=patient)
    TargetChange.objects.create(
        program=program,
        effective_on=TODAY - timedelta(days=2),
        sessions_per_day=program.sessions_per_day,
        minutes_per_session=25,
        days_per_week=program.days_per_week,
        reason=TargetChange.Reason.PROGRESSED,
    )


@postgres_only
@pytest.mark.parametrize("write", [_new_minutes, _same_sessions_and_days])
def test_a_progression_of_minutes_leaves_the_keys_fresh(write):
    patient = _program().patient
    _walks(patient, [0, 1, 2])
    caseload_sort_keys_refresh(now=NOW)
    stored = _keys(patient)

    write(patient)

    assert _keys(patient).version == stored.computed_version
    _assert_same_figures(_sort_keys(patient), _annotations(patient))


def _history(program: WalkingProgram, changes: list[tuple[int, int, int]]) -> None:
    """Replace the program's target history: (days ago, sessions a day, days a week)."""
    program.target_changes.all().delete()
    TargetChange.objects.bulk_create(_changes(program, changes))


def _changes(program: WalkingProgram, changes: list[tuple[int, int, int]]) -> list:
    return [
        TargetChange(
            program=program,
            effective_on=TODAY - timedelta(days=days_ago),
            sessions_per_day=sessions,
            minutes_per_session=10,
            days_per_week=days,
            reason=TargetChange.Reason.THERAPIST_EDIT,
        )
        for days_ago, sessions, days in changes
    ]


def _delete_changes(program: WalkingProgram, days_ago: list[int]) -> None:
    days = [TODAY - timedelta(days=d) for d in days_ago]
    _raw(
        "DELETE FROM programs_targetchange WHERE program_id = %s AND effective_on = ANY(%s)",
        program.pk,
        days,
    )


# (history, the write in one statement, whether the adherence figure changes). A change
# with the sessions and days of the change before it changes nothing; "before" is by
# effective day, then id (the later made wins a shared day).
HISTORY_WRITES = {
    "insert between, like its successor": (
        [(30, 2, 7), (2, 3, 7)],
        ("insert", [(5, 3, 7)]),
        True,
    ),
    "insert on a shared day, unlike the day's change": (
        [(30, 2, 7), (3, 3, 7)],
        ("insert", [(3, 2, 7)]),
        True,
    ),
    "insert on a shared day, like the day's change": (
        [(30, 2, 7), (3, 3, 7)],
        ("insert", [(3, 3, 7)]),
        False,
    ),
    "insert before the first": ([(5, 2, 7)], ("insert", [(6, 2, 7)]), True),
    "insert two, the second unlike": ([(30, 2, 7)], ("insert", [(5, 2, 7), (3, 2, 5)]), True),
    "insert two, both alike": ([(30, 2, 7)], ("insert", [(5, 2, 7), (3, 2, 7)]), False),
    "delete one unlike its predecessor": (
        [(30, 2, 7), (5, 3, 7), (2, 3, 7)],
        ("delete", [5]),
        True,
    ),
    "delete one like its predecessor": (
        [(30, 2, 7), (5, 2, 7), (2, 3, 7)],
        ("delete", [5]),
        False,
    ),
    "delete the first": ([(6, 2, 7), (3, 2, 7)], ("delete", [6]), True),
    "delete two unlike the rest": ([(30, 2, 7), (5, 3, 7), (3, 3, 7)], ("delete", [5, 3]), True),
    "delete two like the rest": ([(30, 2, 7), (5, 2, 7), (3, 2, 7)], ("delete", [5, 3]), False),
}


@postgres_only
@pytest.mark.parametrize(
    ("history", "write", "changes"), HISTORY_WRITES.values(), ids=HISTORY_WRITES.keys()
)
def test_a_target_change_marks_the_keys_stale_exactly_when_it_changes_a_figure(
    history, write, changes
):
    program = _program()
    _history(program, history)
    _walks(program.patient, [0, 1, 2, 3])
    caseload_sort_keys_refresh(now=NOW)
    before = _annotations(program.patient)[0]
    action, rows = write

    if action == "insert":
        TargetChange.objects.bulk_create(_changes(program, rows))
    else:
        _delete_changes(program, rows)

    keys = _keys(program.patient)
    assert (_annotations(program.patient)[0] != before) is changes
    assert (keys.version > keys.computed_version) is changes
    _assert_same_figures(_sort_keys(program.patient), _annotations(program.patient))


@postgres_only
def test_moving_a_walk_to_another_patient_marks_both_stale():
    patient, other = _program().patient, _program().patient
    _walks(patient, [0])
    caseload_sort_keys_refresh(now=NOW)

    WalkLog.objects.filter(patient=patient).update(patient=other)

    for p in (patient, other):
        assert _keys(p).version > _keys(p).computed_version


@postgres_only
def test_truncating_walks_marks_every_patient_stale():
    patients = [_program().patient for _ in range(2)]
    caseload_sort_keys_refresh(now=NOW)

    _raw("TRUNCATE programs_walklog")

    for p in patients:
        assert _keys(p).version > _keys(p).computed_version


@postgres_only
def test_deleting_a_patient_with_walks_and_stored_keys_deletes_all():
    patient = _program().patient
    _walks(patient, [0, 1])
    caseload_sort_keys_refresh(now=NOW)

    patient.delete()

    assert not CaseloadSortKeys.objects.exists()
    assert not WalkLog.objects.exists()


@pytest.mark.parametrize("descending", [False, True])
def test_the_list_sorts_by_stored_and_live_figures_alike(descending):
    therapist = TherapistFactory()
    patients = [_program(PatientFactory(therapist=therapist, timezone="UTC")) for _ in range(3)]
    for program, walked in zip(patients, ([0], [0, 1, 2, 3], [0, 1]), strict=True):
        _walks(program.patient, walked)
    caseload_sort_keys_refresh(now=NOW)
    # The first patient's figure changes after the refresh: it is read live.
    _walks(patients[0].patient, [1, 2, 3, 4, 5, 6])
    key = caseload_sort_key("adherence_ratio")
    order = key.desc() if descending else key.asc()

    ids = list(
        patients_with_caseload_sort_keys(Patient.objects.filter(therapist=therapist), now=NOW)
        .order_by(order, "pk")
        .values_list("pk", flat=True)
    )

    by_figure = sorted(
        (p.patient for p in patients),
        key=lambda p: (-_annotations(p)[0] if descending else _annotations(p)[0], p.pk),
    )
    assert ids == [p.pk for p in by_figure]
