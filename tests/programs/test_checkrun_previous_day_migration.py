"""programs/0020: a claim's previous day, and no response left open for a patient the watch
no longer judges."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import PatientFactory
from tests.programs.migration_helpers import migrate, migrate_from

pytestmark = pytest.mark.django_db

BEFORE = [("programs", "0019_painresponse_periods")]
AFTER = [("programs", "0020_checkrun_previous_day")]
DAY = date(2026, 11, 20)


@pytest.fixture
def before():
    models = migrate_from(BEFORE)
    yield models
    migrate(AFTER)


def open_response(pain_response, patient, first_day):
    return pain_response.objects.create(
        patient_id=patient.id, first_day=first_day, mean_pain=4.0, baseline_pain=8
    )


def test_migration_0020_ends_open_responses_of_patients_not_watched(before):
    pain_response, check_run = before
    paused, discharged = PatientFactory(status="paused"), PatientFactory(status="discharged")
    check_run.objects.create(patient_id=paused.id, kind="pain", day=DAY)
    open_response(pain_response, paused, DAY - timedelta(days=5))
    open_response(pain_response, discharged, DAY - timedelta(days=2))  # no check on record

    pain_response, _ = migrate(AFTER)

    ended = dict(pain_response.objects.values_list("patient_id", "last_day"))
    assert ended == {paused.id: DAY, discharged.id: DAY - timedelta(days=2)}


def test_migration_0020_leaves_an_active_patients_response_open(before):
    pain_response, check_run = before
    active = PatientFactory()
    check_run.objects.create(patient_id=active.id, kind="pain", day=DAY)
    open_response(pain_response, active, DAY - timedelta(days=5))

    pain_response, _ = migrate(AFTER)

    assert pain_response.objects.get().last_day is None
