"""Pure pain-trend rules on the 0-10 Numeric Pain Rating Scale (NPRS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

# Float means such as 5.999999 must still count as a 2-point rise.
_EPSILON = 1e-9


# A NamedTuple, not a frozen dataclass: the daily watch builds one per patient (issue 7).
class PainTrend(NamedTuple):
    mean: float | None
    previous_mean: float | None
    baseline: float
    max_score: int | None
    rising: bool
    improved: bool

    @property
    def change_vs_previous(self) -> float | None:
        if self.mean is None or self.previous_mean is None:
            return None
        return round(self.mean - self.previous_mean, 2)

    @property
    def change_vs_baseline(self) -> float | None:
        return None if self.mean is None else round(self.mean - self.baseline, 2)


def mean(scores: Sequence[int]) -> float | None:
    return sum(scores) / len(scores) if scores else None


def pain_trend(
    current: Sequence[int],
    previous: Sequence[int],
    baseline: float,
    *,
    rise_points: float = 2.0,
    severe_score: int = 8,
    improvement_ratio: float = 0.3,
) -> PainTrend:
    """Compare a window's pain with the window before it and with baseline.

    Rising: the mean is ``rise_points`` (the NPRS MCID, 2) or more above the previous
    window or baseline, or any score reaches ``severe_score``. Improved: the mean is
    30% or more below baseline (the clinically important response).
    """
    return pain_trend_from_totals(
        PainTotals(sum(current), len(current), max(current) if current else None),
        PainTotals(sum(previous), len(previous), max(previous) if previous else None),
        baseline,
        rise_points=rise_points,
        severe_score=severe_score,
        improvement_ratio=improvement_ratio,
    )


# A NamedTuple, like PainTrend: the daily watch reads two per patient (issue 7).
class PainTotals(NamedTuple):
    """A window's scores summed in the database: their total, count and highest."""

    total: int
    count: int
    max_score: int | None

    @property
    def mean(self) -> float | None:
        # The same division as mean(): the integer sum over the count.
        return self.total / self.count if self.count else None


def pain_trend_from_totals(
    current: PainTotals,
    previous: PainTotals,
    baseline: float,
    *,
    rise_points: float = 2.0,
    severe_score: int = 8,
    improvement_ratio: float = 0.3,
) -> PainTrend:
    """pain_trend() from each window's totals (the daily watch sums scores in SQL)."""
    current_mean, previous_mean = current.mean, previous.mean
    max_score = current.max_score if current.count else None
    rising = False
    improved = False
    if current_mean is not None:
        rise_vs_previous = previous_mean is not None and (
            current_mean - previous_mean >= rise_points - _EPSILON
        )
        rise_vs_baseline = current_mean - baseline >= rise_points - _EPSILON
        rising = rise_vs_previous or rise_vs_baseline or max_score >= severe_score
        improved = baseline > 0 and current_mean <= baseline * (1 - improvement_ratio) + _EPSILON
    return PainTrend(
        mean=current_mean,
        previous_mean=previous_mean,
        baseline=baseline,
        max_score=max_score,
        rising=rising,
        improved=improved,
    )
