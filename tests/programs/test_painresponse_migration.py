"""programs/0019: clinically important responses go from a row a day to periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection

from tests.factories import PatientFactory
from tests.programs.migration_helpers import migrate, migrate_from

pytestmark = pytest.mark.django_db

DAYS = [("programs", "0018_painresponse_day_first")]
PERIODS = [("programs", "0019_painresponse_periods")]
DAY = date(2026, 11, 20)


@pytest.fixture
def before():
    return migrate_from(DAYS)


def deferred():
    """Foreign keys checked at commit again, as a migration runs outside a test."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def days_back(*days: int) -> list[date]:
    return [DAY - timedelta(days=n) for n in days]


def test_migration_0019_makes_each_run_of_days_a_period(before):
    pain_response, check_run = before
    patient = PatientFactory()
    check_run.objects.create(patient_id=patient.id, kind="pain", day=DAY + timedelta(days=3))
    for n, day in enumerate(days_back(5, 4, 3, 1, 0)):
        pain_response.objects.create(
            patient_id=patient.id, day=day, mean_pain=3 + n / 10, baseline_pain=6
        )
    deferred()

    pain_response, _ = migrate(PERIODS)

    periods = pain_response.objects.order_by("first_day")
    assert list(periods.values_list("first_day", "last_day", "mean_pain")) == [
        (DAY - timedelta(days=5), DAY - timedelta(days=3), 3.0),
        (DAY - timedelta(days=1), DAY, 3.3),
    ]


def test_migration_0019_leaves_open_the_period_that_reaches_the_last_pain_check(before):
    pain_response, check_run = before
    holding, ended, unchecked = PatientFactory(), PatientFactory(), PatientFactory()
    for patient in (holding, ended):
        check_run.objects.create(patient_id=patient.id, kind="pain", day=DAY)
    check_run.objects.create(patient_id=unchecked.id, kind="adherence", day=DAY)
    for patient, days in [(holding, (1, 0)), (ended, (3, 2)), (unchecked, (1, 0))]:
        for day in days_back(*days):
            pain_response.objects.create(
                patient_id=patient.id, day=day, mean_pain=3.0, baseline_pain=6
            )
    deferred()

    pain_response, _ = migrate(PERIODS)

    assert dict(pain_response.objects.values_list("patient_id", "last_day")) == {
        holding.id: None,
        ended.id: DAY - timedelta(days=2),
        unchecked.id: DAY,
    }


def test_migration_0019_reversed_makes_each_period_a_row_a_day_again(before):
    patient = PatientFactory()
    pain_response, check_run = migrate(PERIODS)
    check_run.objects.create(patient_id=patient.id, kind="pain", day=DAY + timedelta(days=2))
    ended = {"first_day": DAY - timedelta(days=3), "last_day": DAY - timedelta(days=2)}
    for period, mean in [(ended, 3.0), ({"first_day": DAY}, 2.5)]:
        pain_response.objects.create(
            patient_id=patient.id, mean_pain=mean, baseline_pain=6, **period
        )
    deferred()

    pain_response, _ = migrate(DAYS)

    assert list(pain_response.objects.order_by("day").values_list("day", "mean_pain")) == [
        (DAY - timedelta(days=3), 3.0),
        (DAY - timedelta(days=2), 3.0),
        (DAY, 2.5),
        (DAY + timedelta(days=1), 2.5),
        (DAY + timedelta(days=2), 2.5),
    ]
