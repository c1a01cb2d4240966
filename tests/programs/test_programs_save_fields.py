"""programs_save_fields: bulk_update's result in one UPDATE (VALUES list on PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from programs.models import WalkingProgram
from programs.watch import PROGRESSION_FIELDS, programs_save_fields
from tests.factories import WalkingProgramFactory

pytestmark = pytest.mark.django_db


def test_programs_save_fields_saves_every_programs_own_values(django_assert_num_queries):
    programs = WalkingProgramFactory.create_batch(3)
    untouched = WalkingProgramFactory(minutes_per_session=10)
    changes = [
        (3, 12, "flare_up", 2, 24, 6.5, date(2026, 3, 2)),
        (1, 15, "active", None, None, None, date(2026, 3, 3)),
        (2, 30, "active", 2, 29, 4.25, None),
    ]
    for program, values in zip(programs, changes, strict=True):
        for name, value in zip(PROGRESSION_FIELDS, values, strict=True):
            setattr(program, name, value)

    with django_assert_num_queries(1):  # the one UPDATE
        programs_save_fields(programs, PROGRESSION_FIELDS)

    for program, values in zip(programs, changes, strict=True):
        saved = WalkingProgram.objects.get(id=program.id)
        assert tuple(getattr(saved, name) for name in PROGRESSION_FIELDS) == values
    assert WalkingProgram.objects.get(id=untouched.id).minutes_per_session == 10


def test_programs_save_fields_with_no_programs_makes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        programs_save_fields([], PROGRESSION_FIELDS)
