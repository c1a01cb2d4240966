"""Property-based tests for the pure adherence, target and pain-trend rules."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from clinic.timezones import local_date, local_day_bounds, week_start
from patients.trends import pain_trend
from programs.adherence import DayActivity, DayTarget, adherence_for_period, inactive_streak
from programs.targets import target_for_date

START = date(2026, 1, 5)
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Pacific/Auckland", "UTC"]

day_targets = st.lists(
    st.tuples(st.integers(0, 4), st.integers(1, 60), st.integers(1, 7)), min_size=1, max_size=28
).map(
    lambda rows: [
        DayTarget(START + timedelta(days=i), sessions, minutes, per_week)
        for i, (sessions, minutes, per_week) in enumerate(rows)
    ]
)
activity_rows = st.lists(st.tuples(st.integers(0, 27), st.integers(1, 6), st.integers(1, 300)))


def as_activity(rows) -> dict[date, DayActivity]:
    out: dict[date, DayActivity] = {}
    for offset, sessions, minutes in rows:
        day = START + timedelta(days=offset)
        before = out.get(day, DayActivity(day, 0, 0))
        out[day] = DayActivity(day, before.sessions + sessions, before.minutes + minutes)
    return out


@given(day_targets, activity_rows)
def test_adherence_ratio_stays_between_zero_and_one(targets, rows):
    result = adherence_for_period(targets, as_activity(rows))

    for ratio in (result.sessions_ratio, result.minutes_ratio):
        assert ratio is None or 0.0 <= ratio <= 1.0
    assert result.percent is None or 0 <= result.percent <= 100


@given(day_targets, activity_rows, st.randoms())
def test_adherence_does_not_depend_on_the_order_logs_arrive(targets, rows, rnd):
    shuffled_rows = list(rows)
    rnd.shuffle(shuffled_rows)
    shuffled_targets = list(targets)
    rnd.shuffle(shuffled_targets)

    assert adherence_for_period(targets, as_activity(rows)) == adherence_for_period(
        shuffled_targets, as_activity(shuffled_rows)
    )
    assert inactive_streak(targets, as_activity(rows)) == inactive_streak(
        shuffled_targets, as_activity(shuffled_rows)
    )


@given(
    day_targets,
    activity_rows,
    st.tuples(st.integers(0, 27), st.integers(1, 6), st.integers(1, 300)),
)
def test_more_walking_never_lowers_adherence(targets, rows, extra):
    before = adherence_for_period(targets, as_activity(rows))

    after = adherence_for_period(targets, as_activity([*rows, extra]))

    assert (after.sessions_ratio or 0) >= (before.sessions_ratio or 0)


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(1, 4), st.integers(1, 60)), min_size=1),
    st.integers(0, 90),
    st.randoms(),
)
def test_target_for_date_does_not_depend_on_input_order_of_distinct_days(rows, offset, rnd):
    seen: dict[int, tuple[int, int]] = {}
    for day_offset, sessions, minutes in rows:
        seen[day_offset] = (sessions, minutes)

    class Row:
        def __init__(self, d, s, m):
            self.effective_on, self.sessions_per_day, self.minutes_per_session = d, s, m
            self.days_per_week = 7

    changes = [Row(START + timedelta(days=d), s, m) for d, (s, m) in seen.items()]
    shuffled = list(changes)
    rnd.shuffle(shuffled)
    day = START + timedelta(days=offset)

    assert target_for_date(changes, day) == target_for_date(shuffled, day)


@given(
    st.lists(st.integers(0, 10), max_size=30),
    st.lists(st.integers(0, 10), max_size=30),
    st.integers(0, 10),
)
def test_pain_trend_does_not_depend_on_score_order(current, previous, baseline):
    rnd = random.Random(0)
    shuffled = list(current)
    rnd.shuffle(shuffled)

    assert pain_trend(current, previous, baseline) == pain_trend(shuffled, previous, baseline)


# hypothesis takes naive bounds and draws naive datetimes; they are made aware below.
NAIVE_MIN, NAIVE_MAX = datetime(2020, 1, 1), datetime(2030, 12, 31)  # noqa: DTZ001


@given(st.datetimes(min_value=NAIVE_MIN, max_value=NAIVE_MAX), st.sampled_from(ZONES))
def test_an_instant_falls_in_exactly_one_local_day_and_week(naive, zone):
    instant = naive.replace(tzinfo=ZoneInfo("UTC"))

    day = local_date(instant, zone)
    start, end = local_day_bounds(day, zone)

    assert start <= instant < end
    assert 23 * 3600 <= (end - start).total_seconds() <= 25 * 3600
    assert week_start(day) <= day < week_start(day) + timedelta(days=7)
    assert week_start(day).weekday() == 0
