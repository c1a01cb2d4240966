import pytest
from django.db import connection

from bench.run import create_database_if_missing, reset_database

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="creates a PostgreSQL database"
)


def _database_exists(name: str) -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _drop_database(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


@pytest.fixture
def missing_bench_database():
    name = f"{connection.settings_dict['NAME']}_made_bench"
    _drop_database(name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(connection.settings_dict, "NAME", name)
        yield name
    _drop_database(name)


@postgres_only
def test_a_missing_bench_database_is_created(missing_bench_database):
    create_database_if_missing()
    create_database_if_missing()  # and an existing one is left as it is

    assert _database_exists(missing_bench_database)


@pytest.mark.parametrize("command", [create_database_if_missing, reset_database])
def test_a_database_not_named_for_the_benchmark_is_refused(command, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "walkrx")

    with pytest.raises(SystemExit, match="must contain 'bench'"):
        command()
