"""Pure rules for the maintenance phase: when it starts and when walking needs a booster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from programs.adherence import Adherence

# The booster looks at two weeks of walking: long enough that one busy week is not a
# lapse, short enough to catch the fade WalkBack saw (164 -> 113 minutes a week by 3
# months without support).
BOOSTER_WINDOW_DAYS = 14


def maintenance_due_on(
    *, start_date: date, end_date: date | None, duration_weeks: int | None
) -> date | None:
    """The first day of maintenance: after the end date, else after the template's weeks."""
    if end_date is not None:
        return end_date + timedelta(days=1)
    if duration_weeks:
        return start_date + timedelta(weeks=duration_weeks)
    return None


def month_start(day: date) -> date:
    """The first day of ``day``'s month (the key of a monthly recurrence check-in)."""
    return day.replace(day=1)


@dataclass(frozen=True)
class BoosterCall:
    due: bool
    reason: str = ""


def booster_call(
    adherence: Adherence,
    *,
    ratio: float,
    maintenance_days: int,
    window_days: int = BOOSTER_WINDOW_DAYS,
) -> BoosterCall:
    """A booster when the window's minutes fall below ``ratio`` of the maintenance target.

    Judged only once maintenance has run a full window, and never when nothing was
    prescribed (a paused program).
    """
    if maintenance_days < window_days or adherence.minutes_prescribed <= 0:
        return BoosterCall(due=False)
    done = adherence.minutes_done / adherence.minutes_prescribed
    if done >= ratio:
        return BoosterCall(due=False)
    return BoosterCall(
        due=True,
        reason=(
            f"{adherence.minutes_done} of {round(adherence.minutes_prescribed)} minutes "
            f"walked in the last {window_days} days ({done:.0%}, below {ratio:.0%})."
        ),
    )
