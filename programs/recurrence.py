"""Pure Kaplan-Meier estimate of days to first recurrence after the active program.

WalkBack's primary outcome was days to an activity-limiting recurrence (median 208 days
with walking and education versus 112 without). Each maintenance patient contributes
the days from the start of maintenance to their first reported episode (an event) or to
the last day they were followed (censored: today, or the end of their program).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Duration:
    days: int
    event: bool  # True: a recurrence on that day; False: still free of one (censored)


@dataclass(frozen=True)
class KMPoint:
    day: int
    at_risk: int  # followed up to at least this day
    events: int
    censored: int
    survival: float  # the estimated share still free of a recurrence after this day


def kaplan_meier(durations: Iterable[Duration | tuple[int, bool]]) -> list[KMPoint]:
    """The product-limit estimate, one point per distinct day with an event or censoring.

    On a day with both, the events come first: someone censored that day was still at
    risk on it (the usual convention).
    """
    rows = [d if isinstance(d, Duration) else Duration(*d) for d in durations]
    if any(d.days < 0 for d in rows):
        raise ValueError("Durations cannot be negative.")
    events = Counter(d.days for d in rows if d.event)
    censored = Counter(d.days for d in rows if not d.event)
    at_risk = len(rows)
    survival = 1.0
    points = []
    for day in sorted(set(events) | set(censored)):
        if events[day]:
            survival *= 1 - events[day] / at_risk
        points.append(KMPoint(day, at_risk, events[day], censored[day], survival))
        at_risk -= events[day] + censored[day]
    return points


def median_days(points: Iterable[KMPoint]) -> int | None:
    """The first day the estimate reaches 50% or below; None if it never does."""
    for point in points:
        if point.survival <= 0.5 + 1e-12:
            return point.day
    return None


@dataclass(frozen=True)
class RecurrenceCurve:
    points: list[KMPoint]
    patients: int
    events: int
    median_days: int | None


def recurrence_curve(durations: Iterable[Duration | tuple[int, bool]]) -> RecurrenceCurve:
    """The curve with its headline numbers (patients, recurrences, median days)."""
    rows = [d if isinstance(d, Duration) else Duration(*d) for d in durations]
    points = kaplan_meier(rows)
    return RecurrenceCurve(
        points=points,
        patients=len(rows),
        events=sum(1 for d in rows if d.event),
        median_days=median_days(points),
    )
