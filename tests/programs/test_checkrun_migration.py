"""programs/0017: claims go from a row per patient, check and day to a row per patient and
check, keeping each one's latest day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tests.factories import PatientFactory

# On PostgreSQL the migrations run and are undone inside the test's transaction (its DDL
# is transactional); SQLite refuses schema changes there, and its test database has
# already run this migration's statements when it was created.
pytestmark = pytest.mark.django_db

PER_DAY = [("programs", "0016_install_caseload_sort_keys_refresh")]
PER_CHECK = [("programs", "0017_checkrun_one_per_patient_kind")]
DAY = date(2026, 11, 20)


def migrate(targets):
    """Migrate to ``targets``; return the CheckRun model as it is there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps.get_model("programs", "CheckRun")


@pytest.fixture
def per_day_check_run():
    """CheckRun as before the migration (rolled back with the test's transaction)."""
    if connection.vendor != "postgresql":
        pytest.skip("schema changes inside the test's transaction are PostgreSQL's")
    with connection.cursor() as cursor:
        # No foreign-key check left pending: PostgreSQL alters no table that has one.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return migrate(PER_DAY)


def test_migration_0017_keeps_each_patients_latest_claim_per_check(per_day_check_run):
    one, other = PatientFactory(), PatientFactory()
    for patient, kind, days_ago in [
        (one, "adherence", 2),
        (one, "adherence", 0),
        (one, "adherence", 1),
        (one, "pain", 5),
        (other, "adherence", 3),
        (other, "progression", 4),
        (other, "progression", 9),
    ]:
        per_day_check_run.objects.create(
            patient_id=patient.id, kind=kind, day=DAY - timedelta(days=days_ago)
        )

    check_run = migrate(PER_CHECK)

    assert set(check_run.objects.values_list("patient_id", "kind", "day")) == {
        (one.id, "adherence", DAY),
        (one.id, "pain", DAY - timedelta(days=5)),
        (other.id, "adherence", DAY - timedelta(days=3)),
        (other.id, "progression", DAY - timedelta(days=4)),
    }


def test_migration_0017_leaves_one_claim_per_patient_and_check(per_day_check_run):
    patient = PatientFactory()
    check_run = migrate(PER_CHECK)
    check_run.objects.create(patient_id=patient.id, kind="pain", day=DAY)

    with pytest.raises(IntegrityError), transaction.atomic():
        check_run.objects.create(patient_id=patient.id, kind="pain", day=DAY + timedelta(days=1))


def test_migration_0017_reversed_allows_a_claim_per_day_again(per_day_check_run):
    patient = PatientFactory()
    migrate(PER_CHECK)
    check_run = migrate(PER_DAY)

    check_run.objects.create(patient_id=patient.id, kind="pain", day=DAY)
    check_run.objects.create(patient_id=patient.id, kind="pain", day=DAY + timedelta(days=1))

    assert check_run.objects.filter(patient_id=patient.id).count() == 2
