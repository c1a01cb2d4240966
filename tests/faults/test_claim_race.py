"""A claim row another session holds (a run for another day, a check under way): what waits
for it goes on from what that session left."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from patients.models import Patient
from patients.services import patient_update
from programs.models import CheckRun, PainResponse, WalkingProgram
from programs.watch import pain_check, progression_check
from tests.factories import PatientFactory
from tests.faults.services import require_postgresql_test_db
from tests.programs.watch_helpers import DAY, NOW, checkins, program_for, walk_days

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql_test_db()


def wait_for_a_lock_wait(timeout: float = 10.0) -> None:
    """Until a session of this database waits on a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("no session waited on the claim row")


def run_while_another_day_holds_the_claim(check, patient, kind, statements):
    """``check()`` in a thread while another session, which has run ``statements`` (SQL,
    params) and moved the patient's ``kind`` claim to the day before DAY, holds it; that
    session commits once the check waits on it. Returns the check's result."""
    return run_while_the_claim_is_held(check, patient, kind, DAY - timedelta(days=1), statements)


def run_while_the_claim_is_held(call, patient, kind, day, statements):
    """``call()`` in a thread while another session, which has run ``statements`` (SQL,
    params) and moved the patient's ``kind`` claim to ``day``, holds it; that session
    commits once the call waits on it. Returns the call's result."""
    holder = connection.copy()
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CheckRun._meta.db_table} SET day = %s "  # noqa: S608 - a model's table
            "WHERE patient_id = %s AND kind = %s",
            [day, patient.id, kind],
        )
        for sql, params in statements:
            cursor.execute(sql, params)
    results = []

    def run_call():
        try:
            results.append(call())
        finally:
            connection.close()

    checking = threading.Thread(target=run_call)
    checking.start()
    try:
        wait_for_a_lock_wait()
        holder.commit()
    finally:
        holder.close()
        checking.join(timeout=60)
    assert len(results) == 1
    return results[0]


def test_a_response_ends_on_the_day_checked_by_a_run_that_held_the_claim():
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, dict.fromkeys(range(7), 9))  # DAY's mean, 9: no longer a response
    PainResponse.objects.create(
        patient=patient, first_day=DAY - timedelta(days=3), mean_pain=6.0, baseline_pain=10
    )
    CheckRun.objects.create(patient=patient, kind=CheckRun.Kind.PAIN, day=DAY - timedelta(days=2))

    result = run_while_another_day_holds_the_claim(
        lambda: pain_check(patient_ids=[patient.id], day=DAY, now=NOW),
        patient,
        CheckRun.Kind.PAIN,
        [],
    )

    assert result.checked == 1
    assert PainResponse.objects.get().last_day == DAY - timedelta(days=1)
    assert CheckRun.objects.values_list("day", "previous_day").get() == (
        DAY,
        DAY - timedelta(days=1),
    )


def test_progression_decides_nothing_on_a_program_that_a_run_holding_the_claim_changed():
    program = program_for(increment_every_days=7, last_progression_on=DAY - timedelta(days=6))
    walk_days(program.patient, range(7))  # adherent, pain steady: an increment is due on DAY
    CheckRun.objects.create(
        patient=program.patient, kind=CheckRun.Kind.PROGRESSION, day=DAY - timedelta(days=2)
    )
    table = WalkingProgram._meta.db_table
    decided_the_day_before = (  # as that run's own decision, effective on DAY
        f"UPDATE {table} SET minutes_per_session = 11, last_progression_on = %s "  # noqa: S608
        "WHERE id = %s",
        [DAY, program.id],
    )

    result = run_while_another_day_holds_the_claim(
        lambda: progression_check(patient_ids=[program.patient_id], day=DAY, now=NOW),
        program.patient,
        CheckRun.Kind.PROGRESSION,
        [decided_the_day_before],
    )

    program.refresh_from_db()
    assert (result.checked, result.changes) == (1, 0)
    assert (program.minutes_per_session, program.last_progression_on) == (11, DAY)
    assert not program.target_changes.filter(effective_on=DAY + timedelta(days=1)).exists()


def test_pausing_a_patient_ends_the_response_a_check_under_way_opens():
    patient = PatientFactory(baseline_pain=10)
    CheckRun.objects.create(patient=patient, kind=CheckRun.Kind.PAIN, day=DAY - timedelta(days=1))
    opened_by_the_check = (
        f"INSERT INTO {PainResponse._meta.db_table} "  # noqa: S608 - a model's table
        "(patient_id, first_day, mean_pain, baseline_pain, created_at) "
        "VALUES (%s, %s, 6.0, 10, now())",
        [patient.id, DAY],
    )

    run_while_the_claim_is_held(  # the check of DAY: its claim moved, a response opened
        lambda: patient_update(
            patient=Patient.objects.get(pk=patient.pk), status=Patient.Status.PAUSED
        ),
        patient,
        CheckRun.Kind.PAIN,
        DAY,
        [opened_by_the_check],
    )

    assert PainResponse.objects.values_list("first_day", "last_day").get() == (DAY, DAY)
