"""Pure maintenance rules: when maintenance starts, and when walking needs a booster."""

from __future__ import annotations

from datetime import date

import pytest

from programs.adherence import Adherence
from programs.maintenance import booster_call, maintenance_due_on, month_start


@pytest.mark.parametrize(
    ("end_date", "weeks", "expected"),
    [
        (date(2026, 3, 31), None, date(2026, 4, 1)),  # the day after the last active day
        (date(2026, 3, 31), 26, date(2026, 4, 1)),  # an end date wins over the template
        (None, 26, date(2026, 7, 2)),  # 26 weeks after 1 January
        (None, None, None),  # open-ended: the therapist decides
    ],
)
def test_maintenance_due_on(end_date, weeks, expected):
    due = maintenance_due_on(start_date=date(2026, 1, 1), end_date=end_date, duration_weeks=weeks)

    assert due == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 3, 29), date(2026, 3, 1)), (date(2026, 2, 1), date(2026, 2, 1))],
)
def test_month_start(day, expected):
    assert month_start(day) == expected


def adherence(done: int, prescribed: float) -> Adherence:
    return Adherence(
        sessions_done=0, sessions_prescribed=1, minutes_done=done, minutes_prescribed=prescribed
    )


@pytest.mark.parametrize(
    ("done", "due"),
    [(0, True), (167, True), (168, False), (280, False), (400, False)],
)
def test_booster_call_below_the_ratio_of_the_target(done, due):
    # 14 days of 20 minutes: 280 prescribed; 60% is 168.
    call = booster_call(adherence(done, 280), ratio=0.6, maintenance_days=30)

    assert call.due is due


def test_booster_call_says_what_was_walked():
    call = booster_call(adherence(84, 280), ratio=0.6, maintenance_days=30)

    assert call.reason == "84 of 280 minutes walked in the last 14 days (30%, below 60%)."


def test_booster_call_waits_for_a_full_window_of_maintenance():
    call = booster_call(adherence(0, 280), ratio=0.6, maintenance_days=13)

    assert call.due is False


def test_booster_call_needs_something_prescribed():
    assert booster_call(adherence(0, 0), ratio=0.6, maintenance_days=30).due is False
