from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from programs.progression import (
    Action,
    PainSignal,
    ProgressionState,
    calm_days,
    clamp_minutes,
    decide_progression,
    flare_plan,
    increment_due,
    may_change,
)

CALM = PainSignal(rising=False, flare_up_reported=False)


def state(**overrides) -> ProgressionState:
    values = {
        "status": "active",
        "sessions_per_day": 2,
        "minutes_per_session": 10,
        "increment_minutes": 1,
        "max_minutes_per_session": 30,
        "increment_due": True,
    }
    values.update(overrides)
    return ProgressionState(**values)


@pytest.mark.parametrize(
    ("ratio", "action", "minutes"),
    [(0.8, Action.PROGRESS, 11), (1.0, Action.PROGRESS, 11), (0.79, Action.HOLD, 10)],
)
def test_it_advances_only_from_80_percent_adherence(ratio, action, minutes):
    decision = decide_progression(state(), CALM, adherence_ratio=ratio)

    assert decision.action is action
    assert decision.minutes_per_session == minutes


def test_it_holds_when_nothing_was_prescribed():
    decision = decide_progression(state(), CALM, adherence_ratio=None)

    assert decision.action is Action.HOLD


@pytest.mark.parametrize(
    ("minutes", "increment", "maximum", "expected", "action"),
    [
        (29, 1, 30, 30, Action.PROGRESS),
        (29, 5, 30, 30, Action.PROGRESS),
        (30, 1, 30, 30, Action.NONE),  # at the maximum: no history row
    ],
)
def test_it_never_advances_above_the_maximum(minutes, increment, maximum, expected, action):
    current = state(
        minutes_per_session=minutes, increment_minutes=increment, max_minutes_per_session=maximum
    )

    decision = decide_progression(current, CALM, adherence_ratio=1.0)

    assert decision.minutes_per_session == expected
    assert decision.action is action


def test_it_does_nothing_when_no_increment_is_due():
    decision = decide_progression(state(increment_due=False), CALM, adherence_ratio=1.0)

    assert decision.action is Action.NONE
    assert decision.records_history is False


def test_it_steps_back_into_the_flare_plan_on_rising_pain_even_if_adherent():
    pain = PainSignal(rising=True, flare_up_reported=False, pre_flare_level=3.0)

    decision = decide_progression(state(), pain, adherence_ratio=1.0)

    assert decision.action is Action.STEP_BACK
    assert (decision.sessions_per_day, decision.minutes_per_session) == (3, 5)
    assert decision.status == "flare_up"
    assert (decision.pre_flare_sessions_per_day, decision.pre_flare_minutes_per_session) == (2, 10)
    assert decision.pre_flare_pain == 3.0


def test_it_steps_back_on_a_reported_flare_up_before_an_increment_is_due():
    pain = PainSignal(rising=False, flare_up_reported=True)

    decision = decide_progression(state(increment_due=False), pain, adherence_ratio=1.0)

    assert decision.action is Action.STEP_BACK
    assert decision.note.startswith("Flare-up")


@pytest.mark.parametrize(
    ("sessions", "minutes", "expected"),
    [(2, 10, (3, 5)), (2, 1, (2, 1)), (6, 20, (6, 10)), (1, 3, (2, 1)), (1, 1, (1, 1))],
)
def test_flare_plan_is_shorter_more_frequent_and_never_below_one_minute(
    sessions, minutes, expected
):
    new_sessions, new_minutes = flare_plan(sessions, minutes)

    assert (new_sessions, new_minutes) == expected
    assert new_minutes >= 1
    assert new_sessions * new_minutes <= max(sessions * minutes, 1)


@pytest.mark.parametrize(("minutes", "expected"), [(0, 1), (-3, 1), (1, 1), (31, 30), (30, 30)])
def test_clamp_minutes_keeps_between_one_and_the_maximum(minutes, expected):
    assert clamp_minutes(minutes, 30) == expected


def flaring(**overrides) -> ProgressionState:
    return state(
        status="flare_up",
        sessions_per_day=3,
        minutes_per_session=5,
        increment_due=False,
        pre_flare_sessions_per_day=2,
        pre_flare_minutes_per_session=12,
        pre_flare_pain=3.0,
        **overrides,
    )


@pytest.mark.parametrize(("calm", "action"), [(2, Action.NONE), (3, Action.RESUME)])
def test_it_resumes_the_pre_flare_plan_after_3_calm_days(calm, action):
    pain = PainSignal(rising=True, flare_up_reported=False, calm_days=calm)

    decision = decide_progression(flaring(), pain, adherence_ratio=1.0)

    assert decision.action is action
    if action is Action.RESUME:
        assert (decision.sessions_per_day, decision.minutes_per_session) == (2, 12)
        assert decision.status == "active"


def test_it_stays_in_the_flare_plan_while_flare_ups_are_reported():
    pain = PainSignal(rising=False, flare_up_reported=True, calm_days=5)

    decision = decide_progression(flaring(), pain, adherence_ratio=1.0)

    assert decision.action is Action.NONE
    assert decision.status == "flare_up"


def test_it_resumes_no_higher_than_a_lowered_maximum():
    pain = PainSignal(rising=False, flare_up_reported=False, calm_days=3)

    decision = decide_progression(flaring(max_minutes_per_session=8), pain, adherence_ratio=1.0)

    assert decision.minutes_per_session == 8


START = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("day", "last", "due"),
    [
        (START + timedelta(days=5), None, False),
        (START + timedelta(days=6), None, True),  # the 8th applies after 7 full days
        (START + timedelta(days=12), START + timedelta(days=7), False),
        (START + timedelta(days=13), START + timedelta(days=7), True),
    ],
)
def test_increment_due_after_a_full_period(day, last, due):
    assert increment_due(day=day, start_date=START, last_progression_on=last, every_days=7) is due


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({0: [4], 1: [4], 2: [4]}, 3),  # 4 is within 1 point of 3
        ({0: [4], 1: [4], 2: [5]}, 2),  # 5 is not
        ({0: [4], 2: [4]}, 1),  # a day without scores ends the run
        ({0: [3, 5], 1: [2], 2: [3]}, 3),  # the day's mean counts
        ({}, 0),
    ],
)
def test_calm_days_counts_back_days_within_one_point(scores, expected):
    end = date(2026, 11, 20)
    by_day = {end - timedelta(days=back): s for back, s in scores.items()}

    assert calm_days(by_day, end=end, level=3.0) == expected


def test_a_program_that_may_not_change_is_kept_whatever_else_the_rule_is_given():
    combinations = itertools.product(
        ("active", "flare_up"),
        (True, False),  # increment due
        (True, False),  # rising
        (True, False),  # flare-up reported
        (None, 0.5, 0.9),  # adherence
        (0, 5),  # calm days
        (None, 12),  # pre-flare minutes
        (10, 30),  # minutes now (30: the maximum)
    )
    changed = 0
    for status, due, rising, flare, ratio, calm, pre_flare, minutes in combinations:
        decision = decide_progression(
            state(
                status=status,
                increment_due=due,
                minutes_per_session=minutes,
                pre_flare_minutes_per_session=pre_flare,
                pre_flare_sessions_per_day=None if pre_flare is None else 2,
            ),
            PainSignal(rising, flare, pre_flare_level=5.0, calm_days=calm),
            adherence_ratio=ratio,
        )
        if not may_change(status=status, increment_due=due, rising=rising, flare_up_reported=flare):
            assert decision.action is Action.NONE, (status, due, rising, flare)
        changed += decision.records_history

    assert changed > 0
