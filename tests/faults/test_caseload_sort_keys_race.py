"""The refresh of stored caseload sort keys against a writer in flight (PostgreSQL).

A writer's trigger holds the patient's row until it commits; the refresh must neither
wait for it (a deadlock with the writer's other locks) nor store figures without its write.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from programs.caseload import caseload_sort_keys_refresh
from programs.models import CaseloadSortKeys
from tests.factories import WalkingProgramFactory, WalkLogFactory
from tests.faults.services import require_postgresql_test_db

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql_test_db()


def test_a_refresh_during_an_uncommitted_walk_leaves_the_patient_stale():
    patient = WalkingProgramFactory(start_date=NOW.date() - timedelta(days=30)).patient
    WalkLogFactory(patient=patient, started_at=NOW - timedelta(days=1))
    CaseloadSortKeys.objects.filter(patient=patient).update(version=7)  # stale before
    written, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer():
        try:
            with transaction.atomic():
                WalkLogFactory(patient=patient, started_at=NOW - timedelta(hours=2))
                written.set()
                release.wait(timeout=30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
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
