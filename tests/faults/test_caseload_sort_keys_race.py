"""The refresh of stored caseload sort keys against a writer in flight (PostgreSQL).

A writer's trigger holds the patient's row until it commits; the refresh must neither
wait for it (a deadlock with the writer's other locks) nor store figures without its write.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from patients.models import Patient
from programs.caseload import caseload_sort_keys_refresh, patients_with_caseload_stats
from programs.models import CaseloadSortKeys, TargetChange
from tests.factories import WalkingProgramFactory, WalkLogFactory
from tests.faults.services import require_postgresql_test_db

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql_test_db()


def _in_thread(work, errors: list[BaseException]) -> threading.Thread:
    def run():
        try:
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_refresh_during_an_uncommitted_walk_leaves_the_patient_stale():
    patient = WalkingProgramFactory(start_date=NOW.date() - timedelta(days=30)).patient
    WalkLogFactory(patient=patient, started_at=NOW - timedelta(days=1))
    CaseloadSortKeys.objects.filter(patient=patient).update(version=7)  # stale before
    written, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer():
        with transaction.atomic():
            WalkLogFactory(patient=patient, started_at=NOW - timedelta(hours=2))
            written.set()
            release.wait(timeout=30)

    thread = _in_thread(writer, errors)
    assert written.wait(timeout=30)
    try:
        refreshed = caseload_sort_keys_refresh(now=NOW)  # must not wait for the writer
    finally:
        release.set()
        thread.join(timeout=30)

    keys = CaseloadSortKeys.objects.get(patient=patient)
    assert errors == []
    assert refreshed == 0
    assert keys.version > keys.computed_version


def _add_change(program, sessions: int) -> None:
    TargetChange.objects.create(
        program=program,
        effective_on=NOW.date(),
        sessions_per_day=sessions,
        minutes_per_session=10,
        days_per_week=7,
        reason=TargetChange.Reason.THERAPIST_EDIT,
    )


def test_two_transactions_adding_target_changes_cannot_leave_a_stale_figure_in_use():
    # One change (2 sessions). The first writer adds 3 sessions from today, the second
    # 2 again: alike the change it saw before it, unlike the one committed before its own.
    program = WalkingProgramFactory(start_date=NOW.date() - timedelta(days=30))
    for days_ago in range(4):
        WalkLogFactory(patient=program.patient, started_at=NOW - timedelta(days=days_ago, hours=1))
    caseload_sort_keys_refresh(now=NOW)
    first_added, second_starting, second_added = (threading.Event() for _ in range(3))
    commit_first, commit_second = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        with transaction.atomic():
            _add_change(program, 3)
            first_added.set()
            commit_first.wait(timeout=30)

    def second():
        with transaction.atomic():
            second_starting.set()
            _add_change(program, 2)  # waits for the first's program lock, then compares
            second_added.set()
            commit_second.wait(timeout=30)

    threads = [_in_thread(first, errors)]
    assert first_added.wait(timeout=30)
    threads.append(_in_thread(second, errors))
    assert second_starting.wait(timeout=30)
    time.sleep(0.5)  # the second's insert reaches its trigger
    commit_first.set()
    assert second_added.wait(timeout=30)
    caseload_sort_keys_refresh(now=NOW)  # between the two commits
    commit_second.set()
    for thread in threads:
        thread.join(timeout=30)

    keys = CaseloadSortKeys.objects.get(patient=program.patient)
    live = patients_with_caseload_stats(Patient.objects.filter(pk=program.patient.pk), now=NOW)
    assert errors == []
    assert keys.version > keys.computed_version or keys.adherence_ratio == pytest.approx(
        live.get().adherence_ratio
    )
