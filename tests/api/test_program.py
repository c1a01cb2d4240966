from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.models import TargetChange, WalkingProgram
from tests.api.conftest import client_for
from tests.factories import PatientFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db


def prescription(**overrides):
    body = {
        "start_date": str(timezone.localdate()),
        "sessions_per_day": 2,
        "days_per_week": 5,
        "minutes_per_session": 10,
        "increment_minutes": 1,
        "increment_every_days": 7,
        "max_minutes_per_session": 30,
        "indoor_allowed": True,
    }
    body.update(overrides)
    return body


def url(patient):
    return f"/api/v1/patients/{patient.id}/program/"


def test_put_prescribes_a_program_for_a_patient_without_one():
    patient = PatientFactory()

    r = client_for(patient.therapist.user).put(url(patient), prescription())

    assert r.status_code == 201
    program = WalkingProgram.objects.get(patient=patient)
    assert (program.sessions_per_day, program.days_per_week, program.status) == (2, 5, "active")
    assert [h["reason"] for h in r.json()["history"]] == ["prescribed"]
    assert r.json()["id"] == program.id


def test_put_adjusts_the_current_program_and_records_why():
    program = WalkingProgramFactory(minutes_per_session=10)
    body = prescription(
        start_date=str(program.start_date), minutes_per_session=15, note="Ready for more."
    )

    r = client_for(program.therapist.user).put(url(program.patient), body)

    assert r.status_code == 200
    program.refresh_from_db()
    assert program.minutes_per_session == 15
    change = TargetChange.objects.filter(program=program).order_by("-id").first()
    assert (change.reason, change.note, change.changed_by) == (
        "therapist_edit",
        "Ready for more.",
        program.therapist.user,
    )


def test_put_cannot_move_a_current_programs_start_date():
    program = WalkingProgramFactory()
    body = prescription(start_date=str(program.start_date + timedelta(days=1)))

    r = client_for(program.therapist.user).put(url(program.patient), body)

    assert r.status_code == 400
    assert list(r.json()) == ["start_date"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sessions_per_day", 0),
        ("days_per_week", 8),
        ("minutes_per_session", 301),
        ("increment_minutes", 0),
        ("max_minutes_per_session", 0),
        ("start_date", "soon"),
        ("indoor_allowed", "sometimes"),
    ],
)
def test_put_rejects_bad_fields_and_saves_nothing(field, value):
    patient = PatientFactory()

    r = client_for(patient.therapist.user).put(url(patient), prescription(**{field: value}))

    assert r.status_code == 400
    assert field in r.json()
    assert WalkingProgram.objects.count() == 0


def test_put_rejects_a_target_above_the_maximum():
    patient = PatientFactory()
    body = prescription(minutes_per_session=40, max_minutes_per_session=30)

    r = client_for(patient.therapist.user).put(url(patient), body)

    assert r.status_code == 400
    assert list(r.json()) == ["minutes_per_session"]
    assert WalkingProgram.objects.count() == 0


def test_put_names_every_missing_field():
    patient = PatientFactory()

    r = client_for(patient.therapist.user).put(url(patient), {})

    assert set(r.json()) == {
        "start_date",
        "sessions_per_day",
        "days_per_week",
        "minutes_per_session",
        "increment_minutes",
        "increment_every_days",
        "max_minutes_per_session",
        "indoor_allowed",
    }


def test_get_reads_the_patients_program():
    program = WalkingProgramFactory()

    r = client_for(program.therapist.user).get(url(program.patient))

    assert r.status_code == 200
    assert r.json()["id"] == program.id
    assert r.json()["today"]["sessions_target"] == program.sessions_per_day


def test_get_is_404_without_a_program():
    patient = PatientFactory()

    assert client_for(patient.therapist.user).get(url(patient)).status_code == 404
