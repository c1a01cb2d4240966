import pytest
from django.db import connection

from programs.models import CheckRun, PainResponse, WalkingProgram

pytestmark = pytest.mark.django_db


def reloptions(model) -> list[str] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [model._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
@pytest.mark.parametrize("model", [WalkingProgram, CheckRun])
def test_pages_keep_room_for_the_watchs_daily_updates(model):
    assert reloptions(model) == ["fillfactor=50"]


def test_pain_responses_are_unique_per_patient_and_first_day_in_that_order():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, PainResponse._meta.db_table)

    assert constraints["painresponse_one_per_first_day"]["columns"] == ["patient_id", "first_day"]
    assert constraints["painresponse_one_per_first_day"]["unique"] is True


def test_check_runs_table_has_the_models_columns_only():
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, CheckRun._meta.db_table)

    assert {column.name for column in columns} == {f.column for f in CheckRun._meta.local_fields}
