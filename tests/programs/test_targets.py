from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from programs.targets import Target, target_for_date


@dataclass
class Row:
    effective_on: date
    sessions_per_day: int
    minutes_per_session: int
    days_per_week: int = 7


CHANGES = [
    Row(date(2026, 3, 1), 2, 10),
    Row(date(2026, 3, 29), 2, 11),  # Europe's DST change day
    Row(date(2026, 4, 5), 3, 6),
]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 28), None),
        (date(2026, 3, 1), Target(2, 10)),
        (date(2026, 3, 28), Target(2, 10)),
        (date(2026, 3, 29), Target(2, 11)),
        (date(2026, 4, 30), Target(3, 6)),
    ],
)
def test_target_for_date_uses_the_latest_change_in_force(day, expected):
    assert target_for_date(CHANGES, day) == expected


def test_target_for_date_ignores_input_order():
    assert target_for_date(list(reversed(CHANGES)), date(2026, 4, 1)) == Target(2, 11)


def test_target_for_date_prefers_the_later_of_two_changes_on_one_day():
    changes = [Row(date(2026, 3, 1), 2, 10), Row(date(2026, 3, 1), 2, 8)]

    assert target_for_date(changes, date(2026, 3, 1)) == Target(2, 8)


def test_target_minutes_per_day():
    assert Target(2, 12).minutes_per_day == 24
