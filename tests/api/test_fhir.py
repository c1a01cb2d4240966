"""GET /api/v1/patients/{id}/fhir/ and /api/v1/me/fhir/: the FHIR R4 Bundle."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from fhir.resources.R4B.bundle import Bundle

from tests.api.conftest import client_for
from tests.factories import (
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    program = WalkingProgramFactory()
    WalkLogFactory(patient=program.patient, program=program, steps=1200)
    PainCheckInFactory(patient=program.patient)
    return program


def patient_ids(body: dict) -> list[str]:
    return [
        e["resource"]["id"] for e in body["entry"] if e["resource"]["resourceType"] == "Patient"
    ]


def test_it_serves_a_therapist_the_bundle_of_a_clinic_patient(program):
    patient = program.patient

    r = client_for(patient.therapist.user).get(f"/api/v1/patients/{patient.id}/fhir/")

    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    body = r.json()
    Bundle.model_validate(body)
    assert patient_ids(body) == [f"patient-{patient.id}"]
    walk = patient.walks.get()
    observation_ids = {
        e["resource"]["id"] for e in body["entry"] if e["resource"]["resourceType"] == "Observation"
    }
    assert {f"walk-{walk.id}", f"walk-{walk.id}-steps"} <= observation_ids


def test_it_serves_a_patient_their_own_bundle(program):
    patient = program.patient
    PatientFactory(therapist=patient.therapist)  # another patient of the same clinic

    r = client_for(patient.user).get("/api/v1/me/fhir/")

    assert r.status_code == 200
    assert patient_ids(r.json()) == [f"patient-{patient.id}"]


def test_it_answers_in_fhir_json_when_asked(program):
    client = client_for(program.patient.user)

    r = client.get("/api/v1/me/fhir/", HTTP_ACCEPT="application/fhir+json")

    assert r.status_code == 200
    assert r["Content-Type"] == "application/fhir+json"
    Bundle.model_validate_json(r.content)


def test_it_hides_another_clinics_patient_from_a_therapist(program):
    stranger = TherapistFactory()

    r = client_for(stranger.user).get(f"/api/v1/patients/{program.patient_id}/fhir/")

    assert r.status_code == 404


def test_it_asks_anonymous_callers_to_authenticate(api_client, program):
    r = api_client.get("/api/v1/me/fhir/")

    assert r.status_code == 401


def test_the_schema_describes_both_fhir_media_types(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())

    ok = schema["paths"]["/api/v1/patients/{patient_id}/fhir/"]["get"]["responses"]["200"]

    assert set(ok["content"]) == {"application/json", "application/fhir+json"}
    assert ok["content"]["application/fhir+json"]["schema"]["type"] == "object"
    assert "404" in schema["paths"]["/api/v1/me/fhir/"]["get"]["responses"]
