"""Pure report rules: attention order, pain flags, charts, scheduling and week parsing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest

from clinic.reports import (
    OutcomeChange,
    PainSums,
    PatientWeek,
    Thresholds,
    TrendPoint,
    bar_chart,
    encouragement,
    next_weekly_slot,
    pain_flag,
    parse_iso_week,
    patient_row,
    report_week_for,
    sort_by_attention,
    sparkline,
)
from programs.adherence import Adherence

T = Thresholds()


def week(name: str, done: int = 14, **fields) -> PatientWeek:
    return PatientWeek(
        patient_id=hash(name) % 1000,
        name=name,
        timezone="Europe/London",
        baseline_pain=5,
        has_program=True,
        adherence=Adherence(done, 14, done * 10, 140),
        **fields,
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [(None, ""), (1.99, ""), (2.0, "worse"), (1.9999999999, "worse"), (-2.0, "better"), (-1.5, "")],
)
def test_pain_flag_uses_the_2_point_mcid(change, expected):
    assert pain_flag(change, 2.0) == expected


def test_it_puts_urgent_alerts_before_pain_before_low_adherence():
    rows = [
        patient_row(week("Low", done=3), T),
        patient_row(week("Fine"), T),
        patient_row(week("Pain", pain_start=PainSums(3, 1), pain_end=PainSums(6, 1)), T),
        patient_row(week("Urgent", urgent_alerts_open=1, alerts_open=1), T),
        patient_row(week("Lower", done=1), T),
    ]

    names = [r.name for r in sort_by_attention(rows)]

    assert names == ["Urgent", "Pain", "Lower", "Low", "Fine"]


def test_a_report_row_as_json_is_its_asdict():
    odi = OutcomeChange("odi", "2026-11-20", 28.0, -14.0, improved=True, crossed_mcid=True)
    row = patient_row(week("Ada", weekly_adherence=(None, 50, 100), outcomes=(odi,)), T)

    data = row.as_json()

    assert data == asdict(row)
    assert list(data) == list(asdict(row))
    assert data["outcomes"] == [asdict(odi)]


def test_it_names_only_the_stronger_adherence_reason():
    row = patient_row(week("Low", done=3), T)

    assert row.attention == ["Adherence below the low threshold"]


def test_bar_chart_scales_bars_to_100_percent_and_marks_the_target():
    points = [TrendPoint("2026-11-09", "W46", 50.0), TrendPoint("2026-11-16", "W47", None)]

    chart = bar_chart(points, width=200, height=120, label_space=10, target=80)

    assert chart.bars[0].height == 50.0  # half of the 100-pixel plot
    assert chart.bars[0].y == 60.0
    assert chart.bars[0].below_target is True
    assert (chart.bars[1].height, chart.bars[1].value) == (0.0, "-")
    assert chart.target_y == 30.0
    assert chart.bars[1].x == 115.0  # second slot of 100 px, 15% in


def test_sparkline_skips_weeks_without_a_value():
    line = sparkline([0, None, 100], width=24, height=14)

    assert line.points == "2.0,12.0 22.0,2.0"
    assert (line.last_x, line.last_y) == (22.0, 2.0)


def test_sparkline_is_empty_without_values():
    assert sparkline([None, None]).points == ""


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        # A Sunday evening in London: the next morning at 07:00 GMT.
        (
            datetime(2026, 11, 22, 20, tzinfo=UTC),
            "Europe/London",
            datetime(2026, 11, 23, 7, tzinfo=UTC),
        ),
        # Monday 07:00 exactly has passed: one week on.
        (
            datetime(2026, 11, 23, 7, tzinfo=UTC),
            "Europe/London",
            datetime(2026, 11, 30, 7, tzinfo=UTC),
        ),
        # Across the spring DST change: 07:00 BST is 06:00 UTC.
        (datetime(2026, 3, 24, tzinfo=UTC), "Europe/London", datetime(2026, 3, 30, 6, tzinfo=UTC)),
        # Sydney is ahead: Monday 07:00 AEDT is Sunday 20:00 UTC.
        (
            datetime(2026, 11, 22, 12, tzinfo=UTC),
            "Australia/Sydney",
            datetime(2026, 11, 22, 20, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 23, 3, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 11, 23, 12, tzinfo=UTC),
        ),
    ],
)
def test_next_weekly_slot_is_monday_0700_local(now, tz, expected):
    assert next_weekly_slot(now, tz) == expected


def test_report_week_for_is_the_full_week_before_the_local_monday():
    due = datetime(2026, 11, 22, 20, tzinfo=UTC)  # Monday 23rd 07:00 in Sydney

    assert report_week_for(due, "Australia/Sydney") == date(2026, 11, 16)
    assert report_week_for(due, "Europe/London") == date(2026, 11, 9)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-W47", date(2026, 11, 16)),
        ("2026-W01", date(2025, 12, 29)),
        ("2026-W53", date(2026, 12, 28)),
    ],
)
def test_parse_iso_week(value, expected):
    assert parse_iso_week(value) == expected


@pytest.mark.parametrize("value", ["2026-47", "2026-W54", "W47", "2026-W00", "next week"])
def test_parse_iso_week_rejects_anything_else(value):
    with pytest.raises(ValueError, match="ISO week"):
        parse_iso_week(value)


@pytest.mark.parametrize(
    ("done", "percent", "flag", "expected"),
    [
        (14, 100, "", "every prescribed walk"),
        (12, 86, "", "right on track"),
        (5, 36, "", "try adding one more"),
        (0, 0, "", "fresh start"),
        (12, 86, "worse", "pain went up"),
        (0, None, "", "You logged 3 walks"),
    ],
)
def test_encouragement_is_grounded_in_the_numbers(done, percent, flag, expected):
    text = encouragement(
        sessions_done=done, adherence_percent=percent, active_days=7, pain_flag=flag, walks=3
    )

    assert expected in text
