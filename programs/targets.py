"""Pure rules for a program's target on a given local date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol


class TargetRow(Protocol):
    effective_on: date
    sessions_per_day: int
    minutes_per_session: int
    days_per_week: int


@dataclass(frozen=True)
class Target:
    sessions_per_day: int
    minutes_per_session: int
    days_per_week: int = 7

    @property
    def minutes_per_day(self) -> int:
        return self.sessions_per_day * self.minutes_per_session


def target_for_date(changes: Iterable[TargetRow], day: date) -> Target | None:
    """The target in force on ``day``: the latest change effective on or before it.

    ``changes`` may come in any order; among changes effective the same day the
    last one given wins (callers pass them in creation order).
    """
    best: TargetRow | None = None
    for change in changes:
        if change.effective_on > day:
            continue
        if best is None or change.effective_on >= best.effective_on:
            best = change
    if best is None:
        return None
    return Target(
        sessions_per_day=best.sessions_per_day,
        minutes_per_session=best.minutes_per_session,
        days_per_week=best.days_per_week,
    )
