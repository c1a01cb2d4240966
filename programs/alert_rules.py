"""Pure daily-watch alert rules: which alerts a patient's day opens and which it closes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from patients.trends import PainTrend
from programs.adherence import Adherence

MISSED_SESSIONS = "missed_sessions"
LOW_ADHERENCE = "low_adherence"
PAIN_RISING = "pain_rising"
FLARE_UP = "flare_up"


@lru_cache(maxsize=512)
def _day_label(day: date) -> str:
    """'12 Nov 2026'. Cached: a watch run labels the same few days for every patient, and
    strftime was a third of the pain check's Python (issue 7)."""
    return f"{day:%d %b %Y}"


@lru_cache(maxsize=512)
def _day_month(day: date) -> str:
    """'12 Nov', for the flare-up days listed in a message."""
    return f"{day:%d %b}"


# A NamedTuple, not a frozen dataclass: the daily watch builds two per patient (issue 7).
class AlertCall(NamedTuple):
    """Open (or refresh) the patient's alert of ``kind`` with ``message``, or close it."""

    kind: str
    open: bool
    message: str


def adherence_alert_calls(
    adherence: Adherence,
    streak: int,
    *,
    day: date,
    missed_threshold: int,
    low_ratio: float,
) -> list[AlertCall]:
    """Missed sessions after ``missed_threshold`` inactive prescribed days; low adherence
    when the 7-day sessions ratio is below ``low_ratio``. Nothing prescribed: no call."""
    ratio = adherence.sessions_ratio
    if ratio is None:
        return []
    missed = streak >= missed_threshold
    low = ratio < low_ratio
    summary = (
        f"{adherence.sessions_done} of {adherence.sessions_prescribed:g} sessions, "
        f"{adherence.minutes_done} of {adherence.minutes_prescribed:g} minutes"
    )
    return [
        AlertCall(
            MISSED_SESSIONS,
            missed,
            f"No walks on the last {streak} prescribed days (to {_day_label(day)})."
            if missed
            else f"Walking again ({_day_label(day)}).",
        ),
        AlertCall(
            LOW_ADHERENCE,
            low,
            f"Adherence {ratio:.0%} over the 7 days to {_day_label(day)} ({summary})."
            if low
            else f"Adherence back to {ratio:.0%} over the 7 days to {_day_label(day)}.",
        ),
    ]


def pain_alert_calls(trend: PainTrend, flare_days: Sequence[date], *, day: date) -> list[AlertCall]:
    """Pain rising (see patients.trends.pain_trend) and flare-ups reported in the window.

    Without any pain score in the window there is no evidence either way: no call.
    """
    calls = [
        AlertCall(
            FLARE_UP,
            bool(flare_days),
            f"Flare-up reported on {', '.join(_day_month(d) for d in sorted(flare_days))}."
            if flare_days
            else f"No flare-up reported in the 7 days to {_day_label(day)}.",
        )
    ]
    if trend.mean is None:
        return calls
    previous = "no scores" if trend.previous_mean is None else f"{trend.previous_mean:.1f}"
    calls.append(
        AlertCall(
            PAIN_RISING,
            trend.rising,
            f"7-day mean pain {trend.mean:.1f} (previous 7 days {previous}, baseline "
            f"{trend.baseline:g}, highest {trend.max_score}) to {_day_label(day)}."
            if trend.rising
            else f"Pain settled: 7-day mean {trend.mean:.1f} to {_day_label(day)}.",
        )
    )
    return calls
