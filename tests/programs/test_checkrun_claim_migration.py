"""programs 0013 drops the claim column that 0010 kept for one release, and restores it
on the way back (so a rollback to 0012 finds the table 0012 left)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from programs.models import CheckRun

pytestmark = pytest.mark.django_db

BEFORE = ("programs", "0012_painresponse_drop_redundant_patient_index")
# PostgreSQL runs DDL inside the test's transaction and rolls it back; SQLite's schema
# editor refuses to run inside one (there, 0010's table rebuild had already dropped it).
transactional_ddl = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="DDL inside the test's transaction"
)


def check_run_columns() -> set[str]:
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, CheckRun._meta.db_table)
    return {column.name for column in table}


def migrate(*targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets) or executor.loader.graph.leaf_nodes())


def test_the_claim_column_is_gone_after_migrating():
    assert "claim" not in check_run_columns()
    assert {"patient_id", "kind", "day", "created_at"} <= check_run_columns()


@transactional_ddl
def test_migrating_back_to_0012_restores_the_nullable_claim_column():
    migrate(BEFORE)

    assert "claim" in check_run_columns()


@transactional_ddl
def test_migrating_forward_again_drops_it():
    migrate(BEFORE)
    migrate()

    assert "claim" not in check_run_columns()
