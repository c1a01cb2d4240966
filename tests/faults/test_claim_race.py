"""A check whose claim row a run for another day holds: it reads that run's day, once done."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from programs.models import CheckRun, PainResponse
from programs.watch import pain_check
from tests.factories import PatientFactory
from tests.faults.services import require_postgresql_test_db
from tests.programs.watch_helpers import DAY, NOW, checkins

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


def test_a_response_ends_on_the_day_checked_by_a_run_that_held_the_claim():
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, dict.fromkeys(range(7), 9))  # DAY's mean, 9: no longer a response
    PainResponse.objects.create(
        patient=patient, first_day=DAY - timedelta(days=3), mean_pain=6.0, baseline_pain=10
    )
    CheckRun.objects.create(patient=patient, kind=CheckRun.Kind.PAIN, day=DAY - timedelta(days=2))
    holder = connection.copy()
    holder.set_autocommit(False)
    with holder.cursor() as cursor:  # the run for the day before claims it, and has not committed
        cursor.execute(
            f"UPDATE {CheckRun._meta.db_table} SET day = %s WHERE patient_id = %s",  # noqa: S608
            [DAY - timedelta(days=1), patient.id],
        )
    results = []

    def check_day():
        try:
            results.append(pain_check(patient_ids=[patient.id], day=DAY, now=NOW))
        finally:
            connection.close()

    checking = threading.Thread(target=check_day)
    checking.start()
    try:
        wait_for_a_lock_wait()
        holder.commit()
    finally:
        holder.close()
        checking.join(timeout=60)

    assert [r.checked for r in results] == [1]
    assert PainResponse.objects.get().last_day == DAY - timedelta(days=1)
    assert CheckRun.objects.values_list("day", "previous_day").get() == (
        DAY,
        DAY - timedelta(days=1),
    )
