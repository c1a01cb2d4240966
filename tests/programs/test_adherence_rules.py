from __future__ import annotations

from datetime import date, timedelta

import pytest

from programs.adherence import (
    DayActivity,
    DayTarget,
    adherence_for_period,
    inactive_streak,
    missed_days_threshold,
)

MONDAY = date(2026, 11, 16)


def week(sessions: int = 2, minutes: int = 10, days_per_week: int = 7) -> list[DayTarget]:
    return [
        DayTarget(MONDAY + timedelta(days=i), sessions, minutes, days_per_week) for i in range(7)
    ]


def done(*days: tuple[int, int, int]) -> dict[date, DayActivity]:
    """(day offset, sessions, minutes) -> activity by day."""
    out = {}
    for offset, sessions, minutes in days:
        day = MONDAY + timedelta(days=offset)
        out[day] = DayActivity(day, sessions, minutes)
    return out


def test_adherence_counts_sessions_and_minutes_against_prescription():
    result = adherence_for_period(week(), done((0, 2, 20), (1, 1, 12)))

    assert result.sessions_done == 3
    assert result.sessions_prescribed == 14
    assert result.minutes_done == 32
    assert result.minutes_prescribed == 140


def test_adherence_caps_sessions_per_day_at_the_prescription():
    result = adherence_for_period(week(), done((6, 5, 50)))

    assert result.sessions_done == 2


@pytest.mark.parametrize(
    ("sessions_done", "expected_percent"),
    [(0, 0), (7, 50), (11, 79), (12, 86), (14, 100)],
)
def test_adherence_percent(sessions_done, expected_percent):
    per_day = [(i, min(2, max(0, sessions_done - 2 * i)), 10) for i in range(7)]

    result = adherence_for_period(week(), done(*per_day))

    assert result.percent == expected_percent


def test_adherence_is_none_when_nothing_was_prescribed():
    result = adherence_for_period(week(sessions=0), done((0, 2, 20)))

    assert result.sessions_ratio is None
    assert result.percent is None


def test_five_day_program_prescribes_five_sessions_a_week():
    result = adherence_for_period(
        week(sessions=1, days_per_week=5), done(*[(i, 1, 10) for i in range(5)])
    )

    assert result.sessions_prescribed == pytest.approx(5)
    assert result.sessions_ratio == pytest.approx(1.0)


def test_inactive_streak_counts_back_from_the_last_day():
    result = inactive_streak(week(), done((0, 1, 10), (3, 1, 10)))

    assert result == 3


def test_inactive_streak_stops_at_days_without_a_program():
    targets = [DayTarget(MONDAY, 0, 0), *week()[1:]]

    assert inactive_streak(targets, {}) == 6


@pytest.mark.parametrize(("days_per_week", "expected"), [(7, 3), (5, 5), (3, 7)])
def test_missed_days_threshold_allows_rest_days(days_per_week, expected):
    assert missed_days_threshold(days_per_week) == expected
