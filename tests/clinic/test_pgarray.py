from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from clinic.pgarray import array_param

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array input"),
]


def _round_trip(values, sql_type):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{sql_type}[]", [array_param(values)])
        return cursor.fetchone()[0]


def test_integers_and_nulls_come_back_as_given():
    assert _round_trip([1, -2, None, 2**40], "bigint") == [1, -2, None, 2**40]


def test_text_with_quotes_backslashes_braces_and_commas_comes_back_as_given():
    texts = ['a "quoted" word', "back\\slash", "{braces}, commas", "", "NULL", " spaced ", "é\nü"]

    assert _round_trip([*texts, None], "varchar") == [*texts, None]


def test_dates_times_booleans_floats_and_decimals_come_back_as_given():
    at = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)

    assert _round_trip([date(2026, 3, 2), None], "date") == [date(2026, 3, 2), None]
    assert _round_trip([at], "timestamptz") == [at]
    assert _round_trip([True, False, None], "boolean") == [True, False, None]
    assert _round_trip([0.1, 1e-300, -2.5], "float8") == [0.1, 1e-300, -2.5]
    assert _round_trip([Decimal("12.50")], "numeric") == [Decimal("12.50")]


def test_an_enum_member_is_sent_as_its_value():
    class Level(enum.IntEnum):
        HIGH = 3

    class Kind(enum.StrEnum):
        FLARE = "flare_up"

    assert _round_trip([Level.HIGH], "int") == [3]
    assert _round_trip([Kind.FLARE], "varchar") == ["flare_up"]


def test_a_value_it_does_not_render_leaves_the_list_to_the_driver():
    values = [b"bytes"]

    assert array_param(values) == values
