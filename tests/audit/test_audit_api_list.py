"""GET /api/v1/audit/: clinic admins (and superusers) only, scoped and filterable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.audit import audit_event, audit_record_many
from tests.api.conftest import client_for
from tests.factories import PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return PatientFactory()


@pytest.fixture
def clinic_admin(patient):
    return TherapistFactory(clinic=patient.clinic, is_clinic_admin=True)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_clinic_admin_lists_their_clinics_events_newest_first(patient, clinic_admin):
    older, newer = audit_record_many(
        [
            audit_event(action="view", patient=patient, at=timezone.now() - timedelta(hours=1)),
            audit_event(action="list", patient=patient),
        ]
    )
    audit_record_many([audit_event(action="view", patient=PatientFactory())])  # elsewhere

    r = client_for(clinic_admin.user).get("/api/v1/audit/")

    assert ids(r) == [newer.pk, older.pk]


def test_it_filters_by_patient_actor_action_and_time(patient, clinic_admin):
    other = PatientFactory(therapist=patient.therapist)
    actor = patient.therapist.user
    now = timezone.now()
    match, *_ = audit_record_many(
        [
            audit_event(action="view", patient=patient, actor=actor, at=now),
            audit_event(action="list", patient=patient, actor=actor, at=now),
            audit_event(action="view", patient=other, actor=actor, at=now),
            audit_event(action="view", patient=patient, at=now),
            audit_event(action="view", patient=patient, actor=actor, at=now - timedelta(days=3)),
        ]
    )
    query = {
        "patient": patient.pk,
        "actor": actor.pk,
        "action": "view",
        "from": (now - timedelta(days=1)).isoformat(),
        "to": (now + timedelta(minutes=1)).isoformat(),
    }

    r = client_for(clinic_admin.user).get("/api/v1/audit/", query)

    assert ids(r) == [match.pk]


def test_a_bad_filter_is_a_400_naming_it(clinic_admin):
    r = client_for(clinic_admin.user).get("/api/v1/audit/", {"action": "steal"})

    assert r.status_code == 400
    assert "action" in r.json()


def test_a_superuser_sees_every_clinic(patient):
    (event,) = audit_record_many([audit_event(action="view", patient=patient)])

    r = client_for(UserFactory(is_superuser=True)).get("/api/v1/audit/")

    assert ids(r) == [event.pk]


@pytest.mark.parametrize("who", ["therapist", "patient"])
def test_anyone_else_gets_404(patient, who):
    user = patient.therapist.user if who == "therapist" else patient.user

    r = client_for(user).get("/api/v1/audit/")

    assert r.status_code == 404


def test_anonymous_gets_401():
    assert APIClient().get("/api/v1/audit/").status_code == 401
