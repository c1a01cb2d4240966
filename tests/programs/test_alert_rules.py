from __future__ import annotations

from datetime import date

import pytest

from patients.trends import pain_trend
from programs.adherence import Adherence
from programs.alert_rules import (
    FLARE_UP,
    LOW_ADHERENCE,
    MISSED_SESSIONS,
    PAIN_RISING,
    adherence_alert_calls,
    pain_alert_calls,
)

DAY = date(2026, 11, 20)


def calls_by_kind(calls):
    return {c.kind: c.open for c in calls}


@pytest.mark.parametrize(("streak", "opens"), [(2, False), (3, True), (4, True)])
def test_missed_sessions_opens_at_exactly_3_inactive_days(streak, opens):
    adherence = Adherence(10, 14, 100, 140)

    calls = adherence_alert_calls(adherence, streak, day=DAY, missed_threshold=3, low_ratio=0.5)

    assert calls_by_kind(calls)[MISSED_SESSIONS] is opens


@pytest.mark.parametrize(("done", "opens"), [(49, True), (50, False), (51, False)])
def test_low_adherence_opens_below_50_percent(done, opens):
    adherence = Adherence(done, 100, done * 10, 1000)

    calls = adherence_alert_calls(adherence, 0, day=DAY, missed_threshold=3, low_ratio=0.5)

    assert calls_by_kind(calls)[LOW_ADHERENCE] is opens


def test_no_adherence_call_when_nothing_was_prescribed():
    calls = adherence_alert_calls(
        Adherence(0, 0, 0, 0), 0, day=DAY, missed_threshold=3, low_ratio=0.5
    )

    assert calls == []


def test_adherence_close_calls_only_for_the_kinds_with_an_alert():
    walking = Adherence(10, 14, 100, 140)

    calls = adherence_alert_calls(
        walking, 0, day=DAY, missed_threshold=3, low_ratio=0.5, closable=[LOW_ADHERENCE]
    )

    assert calls_by_kind(calls) == {LOW_ADHERENCE: False}
    assert messages_by_kind(calls)[LOW_ADHERENCE] == (
        "Adherence back to 71% over the 7 days to 20 Nov 2026."
    )


def test_adherence_opening_calls_do_not_depend_on_the_alerts_to_close():
    idle = Adherence(2, 14, 20, 140)

    calls = adherence_alert_calls(idle, 3, day=DAY, missed_threshold=3, low_ratio=0.5, closable=())

    assert calls_by_kind(calls) == {MISSED_SESSIONS: True, LOW_ADHERENCE: True}
    assert messages_by_kind(calls) == {
        MISSED_SESSIONS: "No walks on the last 3 prescribed days (to 20 Nov 2026).",
        LOW_ADHERENCE: "Adherence 14% over the 7 days to 20 Nov 2026 "
        "(2 of 14 sessions, 20 of 140 minutes).",
    }


@pytest.mark.parametrize(
    ("current", "previous", "opens"),
    [
        ([5, 5], [3, 3], True),  # a 2.0-point rise is the MCID
        ([5, 4], [3, 3], False),  # 1.5
        ([6, 6, 5], [4, 4, 3], True),  # 5.667 - 3.667 = 2.0 with float noise
        ([8], [8], True),  # any 8+
        ([7], [7], False),
    ],
)
def test_pain_rising_opens_at_a_2_point_rise_or_any_8(current, previous, opens):
    trend = pain_trend(current, previous, baseline=7)

    calls = pain_alert_calls(trend, [], day=DAY)

    assert calls_by_kind(calls)[PAIN_RISING] is opens


def test_pain_rising_versus_baseline_without_a_previous_week():
    trend = pain_trend([6, 6], [], baseline=4)

    assert calls_by_kind(pain_alert_calls(trend, [], day=DAY))[PAIN_RISING] is True


def test_no_pain_call_without_scores_but_flare_ups_still_count():
    trend = pain_trend([], [], baseline=4)

    calls = pain_alert_calls(trend, [DAY], day=DAY)

    assert calls_by_kind(calls) == {FLARE_UP: True}


def messages_by_kind(calls):
    return {c.kind: c.message for c in calls}


def test_the_flare_up_message_lists_its_days_in_order():
    trend = pain_trend([5], [], baseline=4)

    calls = pain_alert_calls(trend, [date(2026, 11, 19), date(2026, 11, 3)], day=DAY)

    assert messages_by_kind(calls)[FLARE_UP] == "Flare-up reported on 03 Nov, 19 Nov."


def test_the_pain_messages_name_the_evaluated_day():
    rising = pain_alert_calls(pain_trend([7, 7], [4, 4], baseline=4), [], day=DAY)
    settled = pain_alert_calls(pain_trend([4], [4], baseline=4), [], day=date(2027, 1, 2))

    assert messages_by_kind(rising)[PAIN_RISING] == (
        "7-day mean pain 7.0 (previous 7 days 4.0, baseline 4, highest 7) to 20 Nov 2026."
    )
    assert messages_by_kind(settled)[PAIN_RISING] == "Pain settled: 7-day mean 4.0 to 02 Jan 2027."
    assert messages_by_kind(settled)[FLARE_UP] == (
        "No flare-up reported in the 7 days to 02 Jan 2027."
    )


def test_no_close_call_for_a_kind_without_an_alert_to_close():
    settled = pain_trend([4], [4], baseline=4)

    calls = pain_alert_calls(settled, [], day=DAY, closable=[PAIN_RISING])

    assert calls_by_kind(calls) == {PAIN_RISING: False}
    assert pain_alert_calls(settled, [], day=DAY, closable=()) == []


def test_opening_calls_do_not_depend_on_the_alerts_to_close():
    rising = pain_trend([8], [4], baseline=4)

    calls = pain_alert_calls(rising, [DAY], day=DAY, closable=())

    assert calls_by_kind(calls) == {FLARE_UP: True, PAIN_RISING: True}
