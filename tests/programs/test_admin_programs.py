from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import ProgramTemplate, TargetChange, WalkingProgram
from tests.admin_forms import change_form_data
from tests.factories import PatientFactory, TherapistFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:programs_walkingprogram_add")
LIST = reverse("admin:programs_walkingprogram_changelist")


def _change_url(program: WalkingProgram) -> str:
    return reverse("admin:programs_walkingprogram_change", args=[program.pk])


def _article() -> ProgramTemplate:
    return ProgramTemplate.objects.get(clinic=None, name__contains="article")


@pytest.fixture
def patient(client):
    patient = PatientFactory()
    client.force_login(patient.therapist.user)
    return patient


def test_the_prescribe_form_defaults_to_today_and_offers_the_shared_templates(client, patient):
    ProgramTemplate.objects.create(clinic=TherapistFactory().clinic, name="Another clinic's")

    response = client.get(ADD, {"patient": patient.pk})

    form = response.context["form"]
    assert form["start_date"].value() == timezone.localdate()
    assert form["patient"].value() == str(patient.pk)
    names = {t.name for t in form.fields["template"].queryset}
    assert names == set(ProgramTemplate.objects.filter(clinic=None).values_list("name", flat=True))


def test_prescribing_in_the_admin_records_the_prescribed_history_row(client, patient):
    start = timezone.localdate()

    response = client.post(
        ADD, {"patient": patient.pk, "template": _article().pk, "start_date": start}
    )

    program = WalkingProgram.objects.get(patient=patient)
    assert response.status_code == 302
    assert response.url == _change_url(program)
    assert (program.sessions_per_day, program.minutes_per_session) == (2, 10)
    assert program.therapist == patient.therapist
    change = program.target_changes.get()
    assert change.reason == TargetChange.Reason.PRESCRIBED
    assert change.changed_by == patient.therapist.user
    assert change.effective_on == start


def test_an_invalid_prescription_shows_the_error_and_saves_nothing(client, patient):
    data = {"patient": patient.pk, "template": _article().pk, "minutes_per_session": 45}

    response = client.post(ADD, {**data, "start_date": timezone.localdate()})

    assert response.status_code == 200
    assert "minutes_per_session" in response.context["form"].errors
    assert not WalkingProgram.objects.exists()
    assert not TargetChange.objects.exists()


def test_a_second_current_program_is_a_form_error(client, patient):
    WalkingProgramFactory(patient=patient)

    response = client.post(
        ADD, {"patient": patient.pk, "template": _article().pk, "start_date": timezone.localdate()}
    )

    assert "patient" in response.context["form"].errors
    assert WalkingProgram.objects.filter(patient=patient).count() == 1


def test_another_clinics_patient_cannot_be_prescribed(client, patient):
    stranger = PatientFactory()

    response = client.post(
        ADD, {"patient": stranger.pk, "template": _article().pk, "start_date": timezone.localdate()}
    )

    assert "patient" in response.context["form"].errors
    assert not WalkingProgram.objects.exists()


def test_editing_the_target_records_a_therapist_edit_with_its_note(client, patient):
    program = WalkingProgramFactory(patient=patient)
    page = client.get(_change_url(program))

    response = client.post(
        _change_url(program),
        change_form_data(page, minutes_per_session=14, change_note="Walked well all week"),
    )

    assert response.status_code == 302
    program.refresh_from_db()
    assert program.minutes_per_session == 14
    change = program.target_changes.order_by("-id").first()
    assert change.reason == TargetChange.Reason.THERAPIST_EDIT
    assert (change.minutes_per_session, change.note) == (14, "Walked well all week")
    assert change.changed_by == patient.therapist.user


def test_an_edit_above_the_maximum_is_a_form_error(client, patient):
    program = WalkingProgramFactory(patient=patient)
    page = client.get(_change_url(program))

    response = client.post(_change_url(program), change_form_data(page, minutes_per_session=31))

    assert response.status_code == 200
    program.refresh_from_db()
    assert program.minutes_per_session == 10
    assert program.target_changes.count() == 1


def test_the_lock_action_holds_progression(client, patient):
    program = WalkingProgramFactory(patient=patient)

    client.post(LIST, {"action": "lock_progression", "_selected_action": [program.pk]})

    program.refresh_from_db()
    assert program.progression_locked is True


def test_the_clear_red_flag_action_lets_progression_resume(client, patient):
    program = WalkingProgramFactory(patient=patient, progression_paused_for_red_flag=True)

    client.post(LIST, {"action": "clear_red_flag_pause", "_selected_action": [program.pk]})

    program.refresh_from_db()
    assert program.progression_paused_for_red_flag is False


def test_actions_ignore_another_clinics_programs(client, patient):
    stranger = WalkingProgramFactory(progression_paused_for_red_flag=True)

    client.post(LIST, {"action": "clear_red_flag_pause", "_selected_action": [stranger.pk]})

    stranger.refresh_from_db()
    assert stranger.progression_paused_for_red_flag is True


def test_the_program_page_shows_the_target_history(client, patient):
    program = WalkingProgramFactory(patient=patient, start_date=timezone.localdate())

    response = client.get(_change_url(program))

    (inline,) = response.context["inline_admin_formsets"]
    assert [f.instance.reason for f in inline.formset.forms] == ["prescribed"]
