"""Property-based tests for the progression rule (programs/progression.py)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from programs.progression import (
    MAX_SESSIONS_PER_DAY,
    PainSignal,
    ProgressionState,
    calm_days,
    decide_progression,
)

END = date(2026, 3, 1)


@st.composite
def states(draw):
    maximum = draw(st.integers(1, 120))
    status = draw(st.sampled_from(["active", "flare_up"]))
    in_flare = status == "flare_up"
    return ProgressionState(
        status=status,
        sessions_per_day=draw(st.integers(1, MAX_SESSIONS_PER_DAY)),
        minutes_per_session=draw(st.integers(1, maximum)),
        increment_minutes=draw(st.integers(0, 30)),
        max_minutes_per_session=maximum,
        increment_due=draw(st.booleans()),
        pre_flare_sessions_per_day=(
            draw(st.integers(1, MAX_SESSIONS_PER_DAY)) if in_flare else None
        ),
        pre_flare_minutes_per_session=draw(st.integers(1, maximum)) if in_flare else None,
        pre_flare_pain=draw(st.floats(0, 10)) if in_flare else None,
    )


pain_signals = st.builds(
    PainSignal,
    rising=st.booleans(),
    flare_up_reported=st.booleans(),
    pre_flare_level=st.none() | st.floats(0, 10),
    calm_days=st.integers(0, 14),
)
ratios = st.none() | st.floats(0, 1)


@given(states(), pain_signals, ratios)
def test_targets_stay_between_one_minute_and_the_maximum(state, pain, adherence):
    decision = decide_progression(state, pain, adherence_ratio=adherence)

    assert 1 <= decision.minutes_per_session <= state.max_minutes_per_session
    assert 1 <= decision.sessions_per_day <= MAX_SESSIONS_PER_DAY


@given(states(), pain_signals, ratios)
def test_repeated_progression_never_passes_the_maximum(state, pain, adherence):
    for _ in range(20):
        decision = decide_progression(state, pain, adherence_ratio=adherence)
        state = ProgressionState(
            status=decision.status,
            sessions_per_day=decision.sessions_per_day,
            minutes_per_session=decision.minutes_per_session,
            increment_minutes=state.increment_minutes,
            max_minutes_per_session=state.max_minutes_per_session,
            increment_due=True,
            pre_flare_sessions_per_day=decision.pre_flare_sessions_per_day,
            pre_flare_minutes_per_session=decision.pre_flare_minutes_per_session,
            pre_flare_pain=decision.pre_flare_pain,
        )

        assert 1 <= state.minutes_per_session <= state.max_minutes_per_session


pain_logs = st.lists(st.tuples(st.integers(0, 20), st.integers(0, 10)), max_size=40)


@given(pain_logs, st.floats(0, 10), st.randoms(use_true_random=False))
def test_calm_days_do_not_depend_on_the_order_logs_arrive(logs, level, rnd):
    def scores_from(rows):
        out: dict[date, list[int]] = {}
        for offset, score in rows:
            out.setdefault(END - timedelta(days=offset), []).append(score)
        return out

    shuffled = list(logs)
    rnd.shuffle(shuffled)

    assert calm_days(scores_from(logs), end=END, level=level) == calm_days(
        scores_from(shuffled), end=END, level=level
    )
