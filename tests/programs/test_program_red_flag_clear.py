from __future__ import annotations

import pytest

from programs.services import program_clear_red_flag_pause
from tests.factories import WalkingProgramFactory

pytestmark = pytest.mark.django_db


def test_program_clear_red_flag_pause_clears_the_flag():
    program = WalkingProgramFactory(progression_paused_for_red_flag=True)

    program_clear_red_flag_pause(program=program)

    program.refresh_from_db()
    assert program.progression_paused_for_red_flag is False


def test_program_clear_red_flag_pause_leaves_the_target_history_alone():
    program = WalkingProgramFactory(progression_paused_for_red_flag=True)

    program_clear_red_flag_pause(program=program)
    program_clear_red_flag_pause(program=program)

    assert program.target_changes.count() == 1
