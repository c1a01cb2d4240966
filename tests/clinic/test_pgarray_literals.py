"""array_param's literals, without a database: the exact-type path and the fallback for
subclasses (enum members) must render the same text."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

from clinic.pgarray import array_param


class Level(enum.IntEnum):
    HIGH = 3


class Kind(enum.StrEnum):
    FLARE = "flare_up"


def test_plain_values_render_as_postgresql_array_text():
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    assert array_param([1, None, -2]) == "{1,NULL,-2}"
    assert array_param([True, 1, False]) == "{true,1,false}"
    assert array_param([date(2026, 3, 2), at]) == "{2026-03-02,2026-03-02T09:30:00+00:00}"
    assert array_param([0.5, Decimal("12.50")]) == "{0.5,12.50}"


def test_text_is_quoted_with_its_quotes_and_backslashes_escaped():
    assert array_param(['say "hi"', "back\\slash", "NULL"]) == (
        '{"say \\"hi\\"","back\\\\slash","NULL"}'
    )


def test_an_enum_member_after_plain_values_is_sent_as_its_value():
    assert array_param([1, Level.HIGH, None]) == "{1,3,NULL}"
    assert array_param(["a", Kind.FLARE]) == '{"a","flare_up"}'


def test_a_value_it_does_not_render_leaves_the_whole_list_to_the_driver():
    values = [1, b"bytes"]

    assert array_param(values) == values
