"""target_changes_in_force: the same targets as the whole history, from fewer rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from programs.models import TargetChange
from programs.selectors import (
    day_targets_from_changes,
    program_target_on,
    target_changes_in_force,
)
from programs.targets import target_for_date
from tests.factories import TargetChangeFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)


@pytest.fixture
def program():
    program = WalkingProgramFactory(start_date=START, minutes_per_session=10)
    for week in range(1, 12):
        TargetChangeFactory(
            program=program,
            effective_on=START + timedelta(weeks=week),
            minutes_per_session=10 + week,
            reason=TargetChange.Reason.PROGRESSED,
        )
    # Two changes on one day: the later one wins.
    TargetChangeFactory(program=program, effective_on=date(2026, 2, 16), minutes_per_session=40)
    TargetChangeFactory(program=program, effective_on=date(2026, 2, 16), minutes_per_session=7)
    return program


def _full(program):
    return list(program.target_changes.order_by("effective_on", "id"))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 2, 10), date(2026, 2, 23)),  # starts between changes
        (date(2026, 2, 16), date(2026, 2, 22)),  # starts on the day of two changes
        (date(2025, 12, 20), date(2026, 1, 10)),  # starts before the program
        (date(2026, 3, 20), date(2026, 4, 2)),  # after the last change
    ],
)
def test_target_changes_in_force_gives_the_full_historys_targets(program, start, end):
    rows = target_changes_in_force(program_ids=[program.id], start=start, end=end)[program.id]
    full = _full(program)
    day = start
    while day <= end:
        assert target_for_date(rows, day) == target_for_date(full, day), day
        day += timedelta(days=1)


def test_target_changes_in_force_skips_changes_no_longer_in_force(program):
    rows = target_changes_in_force(
        program_ids=[program.id], start=date(2026, 3, 20), end=date(2026, 4, 2)
    )[program.id]
    # In force on 20 March (16 March) and the one of 23 March: 2 of 14 rows.
    assert [r.minutes_per_session for r in rows] == [20, 21]
    assert len(_full(program)) == 14


def test_target_changes_in_force_reads_many_programs_in_one_query(
    program, django_assert_num_queries
):
    other = WalkingProgramFactory(start_date=START)
    with django_assert_num_queries(1):  # the changes, with the in-force subquery
        found = target_changes_in_force(
            program_ids=[program.id, other.id], start=date(2026, 2, 1), end=date(2026, 2, 28)
        )
    assert set(found) == {program.id, other.id}


def test_program_target_on_is_the_full_historys_target_each_day(program):
    full = _full(program)
    day = START - timedelta(days=2)
    while day <= date(2026, 4, 10):
        assert program_target_on(program=program, day=day) == target_for_date(full, day), day
        day += timedelta(days=1)


def test_day_targets_from_changes_in_any_order_are_target_for_date(program):
    # The one-sweep version sorts by day; within a day the order given still decides.
    changes = list(reversed(_full(program)))
    start, end = date(2026, 1, 1), date(2026, 3, 31)

    days = day_targets_from_changes(program=program, changes=changes, start=start, end=end)

    assert [d.day for d in days] == [start + timedelta(days=n) for n in range(90)]
    for target in days:
        expected = target_for_date(changes, target.day) if target.day >= START else None
        got = (target.sessions_per_day, target.minutes_per_session, target.days_per_week)
        if expected is None:
            assert got == (0, 0, 7), target.day
        else:
            want = (expected.sessions_per_day, expected.minutes_per_session)
            assert got == (*want, expected.days_per_week), target.day
    # Reversed, the first-created of 16 February's three changes is given last and wins.
    assert next(d for d in days if d.day == date(2026, 2, 16)).minutes_per_session == 16
