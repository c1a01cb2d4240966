"""Staff reads and writes through the API are recorded; patients' own reads are not."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent
from tests.api.conftest import client_for
from tests.factories import (
    AlertFactory,
    PainCheckInFactory,
    PatientFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return WalkingProgramFactory()


def only_event() -> AuditEvent:
    (event,) = AuditEvent.objects.all()
    return event


def test_it_records_one_list_event_with_the_patients_shown(program):
    other = PatientFactory(therapist=program.therapist)
    PatientFactory()  # another clinic's patient: not shown, not recorded

    r = client_for(program.therapist.user).get("/api/v1/patients/", REMOTE_ADDR="10.1.2.3")

    assert r.status_code == 200
    event = only_event()
    assert (event.action, event.object_type, event.patient_ref) == ("list", "patient", None)
    assert event.detail == {"count": 2, "patient_ids": sorted([program.patient_id, other.pk])}
    assert (event.actor_id, event.actor_role, event.clinic_id) == (
        program.therapist.user_id,
        "therapist",
        program.patient.clinic_id,
    )
    assert (event.method, event.path, event.ip_address) == ("GET", "/api/v1/patients/", "10.1.2.3")


def test_it_records_reading_one_patient(program):
    client_for(program.therapist.user).get(f"/api/v1/patients/{program.patient_id}/")

    event = only_event()
    assert (event.action, event.patient_ref, event.object_type, event.object_id) == (
        "view",
        program.patient_id,
        "patient",
        str(program.patient_id),
    )


def test_it_records_the_names_of_the_changed_fields(program):
    r = client_for(program.therapist.user).patch(
        f"/api/v1/patients/{program.patient_id}/", {"baseline_pain": 3}
    )

    assert r.status_code == 200
    event = only_event()
    assert (event.action, event.patient_ref) == ("update", program.patient_id)
    assert event.detail == {"fields": ["baseline_pain"]}


def test_it_records_a_new_patient_without_values_or_password(program):
    body = {
        "username": "newpatient",
        "password": "a-long-unusual-passphrase",
        "first_name": "Nia",
        "last_name": "Okafor",
        "email": "nia@example.org",
        "date_of_birth": "1970-01-01",
        "baseline_pain": 4,
    }

    r = client_for(program.therapist.user).post("/api/v1/patients/", body)

    assert r.status_code == 201
    event = only_event()
    assert (event.action, event.patient_ref) == ("create", r.json()["id"])
    assert "password" not in event.detail["fields"]
    assert "Okafor" not in str(event.detail)


@pytest.mark.parametrize(
    ("suffix", "make", "object_type"),
    [
        ("walks/", WalkLogFactory, "walklog"),
        ("pain/", PainCheckInFactory, "paincheckin"),
    ],
)
def test_it_records_a_patients_list_as_one_event(program, suffix, make, object_type):
    make(patient=program.patient)

    client_for(program.therapist.user).get(f"/api/v1/patients/{program.patient_id}/{suffix}")

    event = only_event()
    assert (event.action, event.object_type, event.patient_ref) == (
        "list",
        object_type,
        program.patient_id,
    )
    assert event.detail == {"count": 1, "patient_ids": [program.patient_id]}


def test_it_records_reading_progress_and_program(program):
    client = client_for(program.therapist.user)

    client.get(f"/api/v1/patients/{program.patient_id}/progress/")
    client.get(f"/api/v1/patients/{program.patient_id}/program/")

    events = AuditEvent.objects.order_by("id")
    assert [(e.action, e.object_type, e.patient_ref) for e in events] == [
        ("view", "progress", program.patient_id),
        ("view", "walkingprogram", program.patient_id),
    ]


def test_it_records_a_program_change_with_the_changed_fields_only(program):
    body = {
        "start_date": str(program.start_date),
        "sessions_per_day": program.sessions_per_day,
        "days_per_week": program.days_per_week,
        "minutes_per_session": 12,
        "increment_minutes": program.increment_minutes,
        "increment_every_days": program.increment_every_days,
        "max_minutes_per_session": program.max_minutes_per_session,
        "indoor_allowed": program.indoor_allowed,
    }

    r = client_for(program.therapist.user).put(
        f"/api/v1/patients/{program.patient_id}/program/", body
    )

    assert r.status_code == 200
    event = only_event()
    assert (event.action, event.object_id) == ("update", str(program.pk))
    assert event.detail["fields"] == ["minutes_per_session"]


def test_it_records_the_alert_list_and_an_acknowledgement(program):
    alert = AlertFactory(patient=program.patient)
    client = client_for(program.therapist.user)

    client.get("/api/v1/alerts/")
    client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")

    listed, acknowledged = AuditEvent.objects.order_by("id")
    assert listed.detail["patient_ids"] == [program.patient_id]
    assert (acknowledged.action, acknowledged.object_type, acknowledged.patient_ref) == (
        "update",
        "alert",
        program.patient_id,
    )


def test_it_records_nothing_for_a_refused_request(program):
    stranger = PatientFactory()

    r = client_for(program.therapist.user).get(f"/api/v1/patients/{stranger.pk}/")

    assert r.status_code == 404
    assert not AuditEvent.objects.exists()


def test_it_records_nothing_for_an_invalid_write(program):
    r = client_for(program.therapist.user).patch(
        f"/api/v1/patients/{program.patient_id}/", {"baseline_pain": 99}
    )

    assert r.status_code == 400
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "path", ["/api/v1/me/", "/api/v1/me/walks/", "/api/v1/me/pain/", "/api/v1/me/program/"]
)
def test_a_patient_reading_their_own_data_is_not_recorded(program, path):
    r = client_for(program.patient.user).get(path)

    assert r.status_code == 200
    assert not AuditEvent.objects.exists()
