from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, connections

from bench.jobs import _RESTORED_TABLES, _UNDO_PREFIX, committed_preparation
from bench.jobs import undo_committed_preparation as undo
from patients.models import Alert
from programs.models import CaseloadSortKeys, CheckRun, WalkingProgram
from tests.factories import AlertFactory, WalkingProgramFactory

DAY = date(2026, 3, 25)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the benchmark's jobs run on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def _seen_by_another_connection(sql: str) -> int:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]
    finally:
        other.close()


def _undo_tables() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", [_UNDO_PREFIX + "%"])
        return cursor.fetchone()[0]


def _first_day(program: WalkingProgram, alert: Alert):
    def prepare(ids, now):
        CheckRun.objects.create(patient=program.patient, kind=CheckRun.Kind.PAIN, day=DAY)
        WalkingProgram.objects.filter(id=program.id).update(status=WalkingProgram.Status.PAUSED)
        Alert.objects.filter(id=alert.id).update(message="Refreshed by the first day.")
        AlertFactory(patient=program.patient, kind="flare_up", message="Opened by the first day.")
        return 1, 1

    return prepare


@pytest.fixture
def program_and_alert():
    program = WalkingProgramFactory(status=WalkingProgram.Status.ACTIVE)
    alert = AlertFactory(patient=program.patient, message="Before the first day.")
    return program, alert


def test_committed_preparation_commits_the_first_day_before_the_run(program_and_alert):
    program, alert = program_and_alert

    with committed_preparation(_first_day(program, alert), [program.patient_id], DAY):
        claims = _seen_by_another_connection("SELECT count(*) FROM programs_checkrun")

    assert claims == 1


def test_committed_preparation_puts_every_written_row_back_afterwards(program_and_alert):
    program, alert = program_and_alert
    sort_keys = list(CaseloadSortKeys.objects.values_list("patient_id", "version"))

    with committed_preparation(_first_day(program, alert), [program.patient_id], DAY):
        pass

    assert CheckRun.objects.exists() is False
    assert WalkingProgram.objects.get().status == WalkingProgram.Status.ACTIVE
    assert list(Alert.objects.values_list("id", "message")) == [(alert.id, "Before the first day.")]
    assert list(CaseloadSortKeys.objects.values_list("patient_id", "version")) == sort_keys
    assert _undo_tables() == 0


def test_committed_preparation_is_undone_when_the_run_fails(program_and_alert):
    program, alert = program_and_alert

    prepare = _first_day(program, alert)

    with pytest.raises(RuntimeError), committed_preparation(prepare, [program.patient_id], DAY):
        raise RuntimeError("the run failed")

    assert CheckRun.objects.exists() is False
    assert Alert.objects.get().message == "Before the first day."


def test_undo_restores_what_a_killed_run_left_behind(program_and_alert):
    program, alert = program_and_alert
    with connection.cursor() as cursor:  # as committed_preparation copies them, then dies
        for table in _RESTORED_TABLES:
            cursor.execute(f"CREATE TABLE {_UNDO_PREFIX}{table} AS TABLE {table}")
    _first_day(program, alert)([program.patient_id], DAY)

    undo()

    assert CheckRun.objects.exists() is False
    assert WalkingProgram.objects.get().status == WalkingProgram.Status.ACTIVE
    assert Alert.objects.get().message == "Before the first day."
    assert _undo_tables() == 0
