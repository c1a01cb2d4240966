"""Pure daily-watch alert rules: which alerts a patient's day opens and which it closes."""

from __future__ import annotations

from collections.abc import Container, Sequence
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
    closable: Container[str] | None = None,
) -> list[AlertCall]:
    """Missed sessions after ``missed_threshold`` inactive prescribed days; low adherence
    when the 7-day sessions ratio is below ``low_ratio``. Nothing prescribed: no call.

    ``closable``: the kinds the patient has an alert of, if known; no close call is made
    for another kind (it would change nothing).
    """
    ratio = adherence.sessions_ratio
    if ratio is None:
        return []
    calls = []
    label = _day_label(day)
    if streak >= missed_threshold:
        message = f"No walks on the last {streak} prescribed days (to {label})."
        calls.append(AlertCall(MISSED_SESSIONS, True, message))
    elif closable is None or MISSED_SESSIONS in closable:
        calls.append(AlertCall(MISSED_SESSIONS, False, f"Walking again ({label})."))
    if ratio < low_ratio:
        summary = (
            f"{adherence.sessions_done} of {adherence.sessions_prescribed:g} sessions, "
            f"{adherence.minutes_done} of {adherence.minutes_prescribed:g} minutes"
        )
        message = f"Adherence {ratio:.0%} over the 7 days to {label} ({summary})."
        calls.append(AlertCall(LOW_ADHERENCE, True, message))
    elif closable is None or LOW_ADHERENCE in closable:
        message = f"Adherence back to {ratio:.0%} over the 7 days to {label}."
        calls.append(AlertCall(LOW_ADHERENCE, False, message))
    return calls


def pain_alert_calls(
    trend: PainTrend,
    flare_days: Sequence[date],
    *,
    day: date,
    closable: Container[str] | None = None,
) -> list[AlertCall]:
    """Pain rising (see patients.trends.pain_trend) and flare-ups reported in the window.

    Without any pain score in the window there is no evidence either way: no call.
    ``closable``: the kinds the patient has an alert of, if known. A close call for
    another kind would change nothing, so none is made: on an ordinary day most patients
    have no pain alert, and the watch formatted two messages each that went nowhere.
    """
    calls = []
    if flare_days:
        days = ", ".join(_day_month(d) for d in sorted(flare_days))
        calls.append(AlertCall(FLARE_UP, True, f"Flare-up reported on {days}."))
    elif closable is None or FLARE_UP in closable:
        calls.append(
            AlertCall(FLARE_UP, False, f"No flare-up reported in the 7 days to {_day_label(day)}.")
        )
    if trend.mean is None:
        return calls
    if trend.rising:
        previous = "no scores" if trend.previous_mean is None else f"{trend.previous_mean:.1f}"
        message = (
            f"7-day mean pain {trend.mean:.1f} (previous 7 days {previous}, baseline "
            f"{trend.baseline:g}, highest {trend.max_score}) to {_day_label(day)}."
        )
        calls.append(AlertCall(PAIN_RISING, True, message))
    elif closable is None or PAIN_RISING in closable:
        message = f"Pain settled: 7-day mean {trend.mean:.1f} to {_day_label(day)}."
        calls.append(AlertCall(PAIN_RISING, False, message))
    return calls
