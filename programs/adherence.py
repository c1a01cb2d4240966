"""Pure adherence rules: prescribed versus done, per local day and per period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple


@dataclass(frozen=True)
class DayTarget:
    """What was prescribed on one local day (``sessions`` is 0 on a day with no program)."""

    day: date
    sessions_per_day: int
    minutes_per_session: int
    days_per_week: int = 7

    @property
    def prescribed_sessions(self) -> float:
        # Programs of fewer than 7 days a week let the patient choose the days, so each
        # day carries its share of the weekly sessions.
        return self.sessions_per_day * self.days_per_week / 7

    @property
    def prescribed_minutes(self) -> float:
        return self.prescribed_sessions * self.minutes_per_session


@dataclass(frozen=True)
class DayActivity:
    day: date
    sessions: int
    minutes: int


# A NamedTuple, not a frozen dataclass: the daily watch builds one per patient (issue 7).
class Adherence(NamedTuple):
    sessions_done: int
    sessions_prescribed: float
    minutes_done: int
    minutes_prescribed: float

    @property
    def sessions_ratio(self) -> float | None:
        """Sessions done over prescribed, capped at 1.0; None when nothing was prescribed."""
        if self.sessions_prescribed <= 0:
            return None
        return min(1.0, self.sessions_done / self.sessions_prescribed)

    @property
    def minutes_ratio(self) -> float | None:
        if self.minutes_prescribed <= 0:
            return None
        return min(1.0, self.minutes_done / self.minutes_prescribed)

    @property
    def percent(self) -> int | None:
        ratio = self.sessions_ratio
        return None if ratio is None else round(ratio * 100)


def adherence_for_period(
    targets: Iterable[DayTarget], activity: Mapping[date, DayActivity]
) -> Adherence:
    """Sessions and minutes done versus prescribed over the days in ``targets``.

    A day's sessions count up to that day's prescribed number, so four walks on
    Sunday do not make up for a week without any.
    """
    sessions_done = minutes_done = 0
    sessions_prescribed = minutes_prescribed = 0.0
    for target in targets:
        if target.sessions_per_day <= 0:
            continue
        done = activity.get(target.day)
        if done is not None:
            sessions_done += min(done.sessions, target.sessions_per_day)
            minutes_done += done.minutes
        sessions_prescribed += target.prescribed_sessions
        minutes_prescribed += target.prescribed_minutes
    return Adherence(
        sessions_done=sessions_done,
        sessions_prescribed=round(sessions_prescribed, 6),
        minutes_done=minutes_done,
        minutes_prescribed=round(minutes_prescribed, 6),
    )


def inactive_streak(targets: Iterable[DayTarget], activity: Mapping[date, DayActivity]) -> int:
    """Consecutive prescribed days with no activity, counted back from the last target."""
    streak = 0
    for target in sorted(targets, key=lambda t: t.day, reverse=True):
        if target.sessions_per_day <= 0:
            break
        done = activity.get(target.day)
        if done is not None and done.sessions > 0:
            break
        streak += 1
    return streak


def missed_days_threshold(days_per_week: int, missed_days: int = 3) -> int:
    """Inactive days that count as missed sessions: rest days of a <7-day week are allowed."""
    return missed_days + (7 - days_per_week)
