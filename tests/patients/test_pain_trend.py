from __future__ import annotations

import pytest

from patients.trends import pain_trend


@pytest.mark.parametrize(
    ("current", "previous", "baseline", "rising"),
    [
        ([5, 5], [3, 3], 5, True),  # exactly the 2-point MCID
        ([5, 4], [3, 3], 5, False),  # 1.5 points
        ([6, 6, 6], [5, 5, 5], 4, True),  # 2 above baseline
        ([3, 8], [5, 5], 6, True),  # any score of 8+
        ([7, 7], [], 6, False),  # no previous window, within baseline
        ([], [3], 3, False),
    ],
)
def test_pain_trend_rising(current, previous, baseline, rising):
    assert pain_trend(current, previous, baseline).rising is rising


def test_pain_trend_float_rounding_still_counts_a_two_point_rise():
    result = pain_trend([5.1, 5.1, 5.1], [3.1, 3.1, 3.1], 6)

    assert result.rising is True


@pytest.mark.parametrize(
    ("current", "baseline", "improved"),
    [([7], 10, True), ([7.1], 10, False), ([0], 0, False), ([4], 5, False), ([2, 2], 5, True)],
)
def test_pain_trend_improvement_is_thirty_percent_below_baseline(current, baseline, improved):
    assert pain_trend(current, [], baseline).improved is improved


def test_pain_trend_reports_changes():
    result = pain_trend([4, 6], [3, 3], 6)

    assert result.mean == 5
    assert result.change_vs_previous == 2
    assert result.change_vs_baseline == -1
    assert result.max_score == 6
