from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from clinic.timezones import local_date
from tests.api.conftest import client_for
from tests.factories import PatientFactory, WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db


def test_me_shows_profile_therapist_time_zone_and_program():
    program = WalkingProgramFactory(patient__timezone="America/New_York", minutes_per_session=12)
    patient = program.patient

    r = client_for(patient.user).get("/api/v1/me/")

    assert r.status_code == 200
    body = r.json()
    assert body["id"] == patient.id
    assert body["timezone"] == "America/New_York"
    assert body["therapist_name"] == patient.therapist.display_name
    assert body["program"]["id"] == program.id
    assert body["program"]["minutes_per_session"] == 12


def test_me_has_a_null_program_before_one_is_prescribed():
    patient = PatientFactory()

    r = client_for(patient.user).get("/api/v1/me/")

    assert r.json()["program"] is None


@time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # midday everywhere nearby
def test_today_counts_todays_walks_against_the_target():
    program = WalkingProgramFactory(sessions_per_day=2, minutes_per_session=15)
    patient = program.patient
    WalkLogFactory(patient=patient, duration_minutes=14)
    WalkLogFactory(patient=patient, started_at=timezone.now() - timedelta(days=2))

    r = client_for(patient.user).get("/api/v1/me/today/")

    assert r.status_code == 200
    assert r.json() == {
        "date": str(local_date(timezone.now(), patient.timezone)),
        "sessions_target": 2,
        "minutes_per_session": 15,
        "sessions_done": 1,
        "minutes_done": 14,
    }


def test_today_uses_the_patients_local_date():
    patient = PatientFactory(timezone="Pacific/Kiritimati")  # UTC+14

    r = client_for(patient.user).get("/api/v1/me/today/")

    assert r.json()["date"] == str(local_date(timezone.now(), "Pacific/Kiritimati"))


def test_me_program_shows_todays_target_and_history_with_reasons():
    program = WalkingProgramFactory(minutes_per_session=10)
    therapist_client = client_for(program.therapist.user)
    therapist_client.put(
        f"/api/v1/patients/{program.patient_id}/program/",
        {
            "start_date": str(program.start_date),
            "sessions_per_day": 2,
            "days_per_week": 7,
            "minutes_per_session": 12,
            "increment_minutes": 1,
            "increment_every_days": 7,
            "max_minutes_per_session": 30,
            "indoor_allowed": True,
            "note": "Walking well, pain settled.",
        },
    )

    r = client_for(program.patient.user).get("/api/v1/me/program/")

    assert r.status_code == 200
    body = r.json()
    assert body["today"]["minutes_per_session"] == 12
    assert [h["reason"] for h in body["history"]] == ["therapist_edit", "prescribed"]
    assert body["history"][0]["note"] == "Walking well, pain settled."


def test_me_program_is_404_without_a_program():
    patient = PatientFactory()

    r = client_for(patient.user).get("/api/v1/me/program/")

    assert r.status_code == 404
