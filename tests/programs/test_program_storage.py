import pytest
from django.db import connection

from programs.models import CheckRun, WalkingProgram

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
def test_program_pages_keep_room_for_progressions_updates():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s", [WalkingProgram._meta.db_table]
        )
        (options,) = cursor.fetchone()

    assert options == ["fillfactor=50"]


def test_check_runs_table_has_the_models_columns_only():
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, CheckRun._meta.db_table)

    assert {column.name for column in columns} == {f.column for f in CheckRun._meta.local_fields}
