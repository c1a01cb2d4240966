import pytest
from django.db import connection

from bench.run import create_database_if_missing, reset_database

pytestmark = pytest.mark.django_db


def _database_exists(name: str) -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def missing_bench_database(monkeypatch):
    name = f"{connection.settings_dict['NAME']}_made_bench"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
    monkeypatch.setitem(connection.settings_dict, "NAME", name)
    yield name
    monkeypatch.undo()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="creates a PostgreSQL database")
def test_a_missing_bench_database_is_created(missing_bench_database):
    create_database_if_missing()
    create_database_if_missing()  # and an existing one is left as it is

    assert _database_exists(missing_bench_database)


@pytest.mark.parametrize("command", [create_database_if_missing, reset_database])
def test_a_database_not_named_for_the_benchmark_is_refused(command, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "walkrx")

    with pytest.raises(SystemExit, match="must contain 'bench'"):
        command()
