"""The programs app's migrations run inside a test: on PostgreSQL, whose DDL is
transactional, they are undone with the test's transaction; SQLite refuses schema changes
there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to ``targets``; return the (PainResponse, CheckRun) models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    apps = executor.loader.project_state(targets).apps
    return apps.get_model("programs", "PainResponse"), apps.get_model("programs", "CheckRun")


def migrate_from(targets):
    """migrate() to ``targets`` on PostgreSQL (else skip the test), with no foreign-key
    check left pending: PostgreSQL alters no table that has one."""
    if connection.vendor != "postgresql":
        pytest.skip("schema changes inside the test's transaction are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return migrate(targets)
