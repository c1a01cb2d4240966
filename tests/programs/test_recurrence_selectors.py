"""Days to first recurrence per clinic, read in SQL; the admin's maintenance action."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from patients.models import Patient
from programs.models import RecurrenceCheckIn, WalkingProgram
from programs.recurrence import Duration
from programs.selectors import clinic_recurrence_curve, recurrence_durations
from programs.services import program_start_maintenance
from tests.factories import ClinicFactory, PatientFactory, TherapistFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
START = date(2026, 6, 1)


def maintained(clinic, since: date, **fields) -> WalkingProgram:
    """A program of ``clinic`` in maintenance since ``since`` (set directly: no 'today')."""
    patient = PatientFactory(therapist=TherapistFactory(clinic=clinic))
    return WalkingProgramFactory(
        patient=patient,
        start_date=START,
        phase=WalkingProgram.Phase.MAINTENANCE,
        maintenance_started_on=since,
        **fields,
    )


def answer(program, month: date, episode: date | None = None) -> None:
    RecurrenceCheckIn.objects.create(
        patient=program.patient,
        month=month,
        had_episode=episode is not None,
        episode_started_on=episode,
    )


def durations_for(clinic) -> list[Duration]:
    rows = recurrence_durations(patients=Patient.objects.filter(clinic=clinic), today=TODAY)
    return sorted(rows, key=lambda d: (d.days, d.event))


def test_the_first_episode_is_the_event():
    clinic = ClinicFactory()
    program = maintained(clinic, date(2026, 9, 1))
    answer(program, date(2026, 9, 1))
    answer(program, date(2026, 10, 1), episode=date(2026, 10, 11))
    answer(program, date(2026, 11, 1), episode=date(2026, 11, 2))

    assert durations_for(clinic) == [Duration(40, True)]


def test_no_episode_is_censored_today():
    clinic = ClinicFactory()
    program = maintained(clinic, date(2026, 10, 1))
    answer(program, date(2026, 10, 1))

    assert durations_for(clinic) == [Duration(50, False)]


def test_a_completed_program_is_censored_at_its_end():
    clinic = ClinicFactory()
    maintained(
        clinic,
        date(2026, 10, 1),
        status=WalkingProgram.Status.COMPLETED,
        end_date=date(2026, 10, 21),
    )

    assert durations_for(clinic) == [Duration(20, False)]


def test_programs_never_in_maintenance_and_other_clinics_do_not_count():
    clinic = ClinicFactory()
    WalkingProgramFactory(patient=PatientFactory(therapist=TherapistFactory(clinic=clinic)))
    maintained(ClinicFactory(), date(2026, 10, 1))

    assert durations_for(clinic) == []


def test_clinic_recurrence_curve_reads_in_one_query(django_assert_num_queries):
    clinic = ClinicFactory()
    for day in (1, 2, 3):
        program = maintained(clinic, date(2026, 9, day))
        answer(program, date(2026, 10, 1), episode=date(2026, 10, day * 5))
    maintained(clinic, date(2026, 9, 1))

    # 1 maintenance programs with their first episode (grouped in SQL).
    with django_assert_num_queries(1):
        curve = clinic_recurrence_curve(clinic=clinic, today=TODAY)

    # Events on days 34, 38 and 42, one censored at 80: S(38) = 3/4 * 2/3 = 0.5.
    assert (curve.patients, curve.events, curve.median_days) == (4, 3, 38)


def test_the_admin_action_moves_programs_to_maintenance(client):
    program = WalkingProgramFactory()
    client.force_login(program.therapist.user)

    client.post(
        reverse("admin:programs_walkingprogram_changelist"),
        {"action": "start_maintenance", "_selected_action": [program.pk]},
    )

    program.refresh_from_db()
    assert program.phase == WalkingProgram.Phase.MAINTENANCE
    change = program.target_changes.get(reason="maintenance")
    assert change.changed_by == program.therapist.user


def test_the_admin_action_ignores_another_clinics_programs(client):
    stranger = WalkingProgramFactory()
    client.force_login(TherapistFactory().user)

    client.post(
        reverse("admin:programs_walkingprogram_changelist"),
        {"action": "start_maintenance", "_selected_action": [stranger.pk]},
    )

    stranger.refresh_from_db()
    assert stranger.phase == WalkingProgram.Phase.ACTIVE


def test_the_admin_action_reports_programs_it_could_not_move(client):
    program = WalkingProgramFactory()
    program_start_maintenance(program=program, day=program.start_date)
    client.force_login(program.therapist.user)

    response = client.post(
        reverse("admin:programs_walkingprogram_changelist"),
        {"action": "start_maintenance", "_selected_action": [program.pk]},
        follow=True,
    )

    assert "already in maintenance" in response.content.decode()


def test_the_program_page_lists_the_recurrence_answers(client):
    program = WalkingProgramFactory()
    program_start_maintenance(program=program, day=program.start_date)
    answer(program, program.start_date.replace(day=1), episode=program.start_date)
    client.force_login(program.therapist.user)

    response = client.get(reverse("admin:programs_walkingprogram_change", args=[program.pk]))

    assert f"episode from {program.start_date:%d %b %Y}" in response.content.decode()
