from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from programs.models import ProgramTemplate, TargetChange, WalkingProgram
from programs.selectors import program_adherence, program_target_on
from programs.services import program_prescribe, program_set_target, program_update
from tests.factories import (
    PatientFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db
START = date(2026, 11, 2)


def test_both_shipped_templates_exist():
    names = set(ProgramTemplate.objects.filter(clinic=None).values_list("name", flat=True))

    assert any("article" in n for n in names)
    assert any("WalkBack" in n for n in names)


def test_program_prescribe_from_the_article_template_records_history():
    patient = PatientFactory()
    template = ProgramTemplate.objects.get(name__contains="article")

    program = program_prescribe(
        patient=patient, therapist=patient.therapist, start_date=START, template=template
    )

    assert (program.sessions_per_day, program.increment_minutes, program.indoor_allowed) == (
        2,
        1,
        True,
    )
    change = program.target_changes.get()
    assert change.reason == TargetChange.Reason.PRESCRIBED
    assert change.effective_on == START


def test_program_prescribe_refuses_a_second_current_program():
    program = WalkingProgramFactory()

    with pytest.raises(ValidationError) as excinfo:
        program_prescribe(
            patient=program.patient,
            therapist=program.therapist,
            start_date=START,
            minutes_per_session=10,
        )

    assert "patient" in excinfo.value.message_dict
    assert WalkingProgram.objects.count() == 1


def test_database_allows_one_current_program_per_patient():
    program = WalkingProgramFactory()

    with pytest.raises(IntegrityError):
        WalkingProgramFactory(patient=program.patient, status=WalkingProgram.Status.PAUSED)


def test_program_prescribe_rejects_a_start_above_the_maximum():
    patient = PatientFactory()

    with pytest.raises(ValidationError) as excinfo:
        program_prescribe(
            patient=patient,
            therapist=patient.therapist,
            start_date=START,
            minutes_per_session=40,
            max_minutes_per_session=30,
        )

    assert "minutes_per_session" in excinfo.value.message_dict
    assert WalkingProgram.objects.count() == 0


def test_program_prescribe_refuses_a_therapist_of_another_clinic():
    patient = PatientFactory()

    with pytest.raises(ValidationError):
        program_prescribe(
            patient=patient, therapist=TherapistFactory(), start_date=START, minutes_per_session=10
        )


def test_program_set_target_never_exceeds_the_maximum():
    program = WalkingProgramFactory(minutes_per_session=29, max_minutes_per_session=30)

    program_set_target(
        program=program,
        sessions_per_day=2,
        minutes_per_session=35,
        effective_on=START,
        reason=TargetChange.Reason.PROGRESSED,
    )

    program.refresh_from_db()
    assert program.minutes_per_session == 30


def test_program_update_records_a_therapist_edit_only_when_the_target_changes():
    program = WalkingProgramFactory()

    program_update(program=program, changed_by=None, indoor_allowed=False)
    program_update(program=program, changed_by=None, effective_on=START, minutes_per_session=15)

    reasons = list(program.target_changes.values_list("reason", flat=True))
    assert reasons == [TargetChange.Reason.THERAPIST_EDIT, TargetChange.Reason.PRESCRIBED]


def test_program_target_on_follows_the_history():
    program = WalkingProgramFactory(start_date=START, minutes_per_session=10)
    program_set_target(
        program=program,
        sessions_per_day=2,
        minutes_per_session=11,
        effective_on=START + timedelta(days=7),
        reason=TargetChange.Reason.PROGRESSED,
    )

    assert (
        program_target_on(program=program, day=START + timedelta(days=6)).minutes_per_session == 10
    )
    assert (
        program_target_on(program=program, day=START + timedelta(days=7)).minutes_per_session == 11
    )


def test_program_adherence_counts_indoor_marching_only_when_allowed():
    program = WalkingProgramFactory(start_date=START, indoor_allowed=False)
    WalkLogFactory(patient=program.patient, local_date=START, kind="indoor_marching")
    WalkLogFactory(patient=program.patient, local_date=START, kind="outdoor")

    result = program_adherence(program=program, start=START, end=START + timedelta(days=6))

    assert result.sessions_done == 1
    assert result.sessions_prescribed == 14
