"""Kaplan-Meier days to first recurrence, against hand-computed tables."""

from __future__ import annotations

import pytest

from programs.recurrence import Duration, KMPoint, kaplan_meier, median_days, recurrence_curve

# 8 patients; ties of events and censoring on days 3 and 12 (events first).
#   day 3:  8 at risk, 2 events, 1 censored -> S = 1 - 2/8        = 0.75
#   day 5:  5 at risk, 0 events, 1 censored -> S                  = 0.75
#   day 7:  4 at risk, 1 event              -> S = 0.75 * 3/4     = 0.5625
#   day 10: 3 at risk, 0 events, 1 censored -> S                  = 0.5625
#   day 12: 2 at risk, 1 event,  1 censored -> S = 0.5625 * 1/2   = 0.28125
HAND = [(3, True), (3, True), (3, False), (5, False), (7, True), (10, False)]
HAND += [(12, True), (12, False)]
HAND_TABLE = [
    KMPoint(3, 8, 2, 1, 0.75),
    KMPoint(5, 5, 0, 1, 0.75),
    KMPoint(7, 4, 1, 0, 0.5625),
    KMPoint(10, 3, 0, 1, 0.5625),
    KMPoint(12, 2, 1, 1, 0.28125),
]


@pytest.mark.parametrize(("index", "expected"), list(enumerate(HAND_TABLE)))
def test_kaplan_meier_matches_the_hand_computed_table(index, expected):
    points = kaplan_meier(HAND)

    point = points[index]
    assert (point.day, point.at_risk, point.events, point.censored) == (
        expected.day,
        expected.at_risk,
        expected.events,
        expected.censored,
    )
    assert point.survival == pytest.approx(expected.survival)


def test_kaplan_meier_has_one_point_per_distinct_day():
    assert [p.day for p in kaplan_meier(HAND)] == [3, 5, 7, 10, 12]


def test_kaplan_meier_does_not_depend_on_input_order():
    assert kaplan_meier(reversed(HAND)) == kaplan_meier(HAND)


@pytest.mark.parametrize(
    ("durations", "median"),
    [
        (HAND, 12),  # 0.5625 at day 7 is still above one half
        ([(4, True), (8, False)], 4),  # exactly 0.5 counts
        ([(5, True), (10, False), (20, False)], None),  # never reaches one half
        ([(0, True), (0, True), (9, False)], 0),  # episodes on the first day
        ([], None),
        ([(30, False), (60, False)], None),  # all censored: survival stays 1
    ],
)
def test_median_days(durations, median):
    assert median_days(kaplan_meier(durations)) == median


def test_censoring_alone_never_lowers_survival():
    points = kaplan_meier([(10, False), (20, False), (30, True)])

    assert [p.survival for p in points] == [1.0, 1.0, 0.0]


def test_kaplan_meier_rejects_negative_days():
    with pytest.raises(ValueError, match="negative"):
        kaplan_meier([(-1, True)])


def test_recurrence_curve_counts_patients_and_events():
    curve = recurrence_curve([Duration(3, True), Duration(9, False), Duration(12, True)])

    assert (curve.patients, curve.events, curve.median_days) == (3, 2, 12)
