"""Pure pain-guided progression: advance, hold, step back into the flare-up plan, resume.

"A proper progression that allows your body time to adapt in small increments, using
pain as a guide": advance by the program's increment only when the last period's
adherence is at least 80% and pain is not rising; hold otherwise; on a flare-up or
rising pain step back to the flare-up plan (shorter, more frequent sessions); resume
the pre-flare plan after 3 days with pain back within 1 point of the pre-flare level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

MAX_SESSIONS_PER_DAY = 6


class Action(StrEnum):
    NONE = "none"
    PROGRESS = "progressed"
    HOLD = "held"
    STEP_BACK = "stepped_back"
    RESUME = "resumed"


# The rules' values are NamedTuples, not frozen dataclasses: the daily watch builds
# several per patient, and a frozen dataclass's __init__ cost three times as much (issue 7).
class ProgressionState(NamedTuple):
    """A program as progression sees it."""

    status: str  # "active" or "flare_up"
    sessions_per_day: int
    minutes_per_session: int
    increment_minutes: int
    max_minutes_per_session: int
    increment_due: bool
    pre_flare_sessions_per_day: int | None = None
    pre_flare_minutes_per_session: int | None = None
    pre_flare_pain: float | None = None


class PainSignal(NamedTuple):
    """What the pain data says about the period that just ended."""

    rising: bool
    flare_up_reported: bool
    pre_flare_level: float | None = None  # the pain level before a new flare (for resuming)
    calm_days: int = 0  # consecutive days with pain within 1 point of the pre-flare level


class Decision(NamedTuple):
    action: Action
    sessions_per_day: int
    minutes_per_session: int
    status: str
    note: str = ""
    pre_flare_sessions_per_day: int | None = None
    pre_flare_minutes_per_session: int | None = None
    pre_flare_pain: float | None = None

    @property
    def records_history(self) -> bool:
        return self.action is not Action.NONE


def clamp_minutes(minutes: int, maximum: int) -> int:
    """Never above the program's maximum, never below one minute."""
    return max(1, min(minutes, maximum))


def flare_plan(sessions_per_day: int, minutes_per_session: int) -> tuple[int, int]:
    """Shorter, more frequent walks: half the minutes, one more session, less in total."""
    minutes = max(1, minutes_per_session // 2)
    sessions = min(MAX_SESSIONS_PER_DAY, sessions_per_day + 1)
    if sessions * minutes > sessions_per_day * minutes_per_session:
        # Splitting a very short walk would add minutes: keep the session count.
        sessions = sessions_per_day
    return sessions, minutes


def decide_progression(
    state: ProgressionState,
    pain: PainSignal,
    *,
    adherence_ratio: float | None,
    adherent_ratio: float = 0.8,
    resume_calm_days: int = 3,
) -> Decision:
    """What to do with a program's target after a local day (see the module docstring)."""
    if state.status == "flare_up":
        return _decide_in_flare(state, pain, resume_calm_days)
    if pain.flare_up_reported or pain.rising:
        return _step_back(state, pain)
    if not state.increment_due:
        return _keep(state)
    return _progress_or_hold(state, adherence_ratio, adherent_ratio)


def may_change(*, status: str, increment_due: bool, rising: bool, flare_up_reported: bool) -> bool:
    """False where decide_progression() keeps the target whatever else it is given: an
    active program with no increment due and no pain signal, most programs on a clinic's
    day. The daily watch builds no state or signal for those (issue 7)."""
    return status == "flare_up" or flare_up_reported or rising or increment_due


def _keep(state: ProgressionState) -> Decision:
    """No change: the target and the pre-flare plan stay as they are."""
    return Decision(
        Action.NONE,
        state.sessions_per_day,
        state.minutes_per_session,
        state.status,
        pre_flare_sessions_per_day=state.pre_flare_sessions_per_day,
        pre_flare_minutes_per_session=state.pre_flare_minutes_per_session,
        pre_flare_pain=state.pre_flare_pain,
    )


def _decide_in_flare(state: ProgressionState, pain: PainSignal, resume_calm_days: int) -> Decision:
    if (
        pain.flare_up_reported
        or pain.calm_days < resume_calm_days
        or state.pre_flare_minutes_per_session is None
    ):
        return _keep(state)
    return Decision(
        Action.RESUME,
        state.pre_flare_sessions_per_day or state.sessions_per_day,
        clamp_minutes(state.pre_flare_minutes_per_session, state.max_minutes_per_session),
        "active",
        note=f"Pain back within 1 point of the pre-flare level for {pain.calm_days} days.",
    )


def _step_back(state: ProgressionState, pain: PainSignal) -> Decision:
    sessions, minutes = flare_plan(state.sessions_per_day, state.minutes_per_session)
    why = "Flare-up reported" if pain.flare_up_reported else "Pain rising"
    return Decision(
        Action.STEP_BACK,
        sessions,
        clamp_minutes(minutes, state.max_minutes_per_session),
        "flare_up",
        note=f"{why}: flare-up plan of shorter, more frequent walks.",
        pre_flare_sessions_per_day=state.sessions_per_day,
        pre_flare_minutes_per_session=state.minutes_per_session,
        pre_flare_pain=pain.pre_flare_level,
    )


def _progress_or_hold(
    state: ProgressionState, adherence_ratio: float | None, adherent_ratio: float
) -> Decision:
    if adherence_ratio is None or adherence_ratio < adherent_ratio:
        done = "no sessions prescribed" if adherence_ratio is None else f"{adherence_ratio:.0%}"
        note = f"Held: adherence {done}, below {adherent_ratio:.0%}."
        return Decision(
            Action.HOLD, state.sessions_per_day, state.minutes_per_session, state.status, note=note
        )
    target = clamp_minutes(
        state.minutes_per_session + state.increment_minutes, state.max_minutes_per_session
    )
    if target == state.minutes_per_session:
        # Already at the maximum: nothing to decide, so no history row.
        return _keep(state)
    return Decision(
        Action.PROGRESS,
        state.sessions_per_day,
        target,
        state.status,
        note=(
            f"Adherence {adherence_ratio:.0%} and pain not rising: "
            f"+{target - state.minutes_per_session} min a session."
        ),
    )


def increment_due(
    *, day: date, start_date: date, last_progression_on: date | None, every_days: int
) -> bool:
    """Whether a full period has passed: the next target would apply from ``day + 1``."""
    base = last_progression_on or start_date
    return day + timedelta(days=1) >= base + timedelta(days=every_days)


def calm_days(
    day_scores: Mapping[date, Sequence[int]], *, end: date, level: float, tolerance: float = 1.0
) -> int:
    """Consecutive days ending ``end`` whose mean pain is within ``tolerance`` of ``level``.

    A day without any pain score ends the run: resuming needs evidence, not silence.
    """
    totals = {day: (sum(scores), len(scores)) for day, scores in day_scores.items()}
    return calm_days_from_totals(totals, end=end, level=level, tolerance=tolerance)


def calm_days_from_totals(
    day_totals: Mapping[date, tuple[int, int]],
    *,
    end: date,
    level: float,
    tolerance: float = 1.0,
) -> int:
    """calm_days() from each day's (sum of scores, number of scores), summed in SQL."""
    count = 0
    day = end
    while True:
        total, n = day_totals.get(day, (0, 0))
        if not n or total / n > level + tolerance + 1e-9:
            return count
        count += 1
        day -= timedelta(days=1)
