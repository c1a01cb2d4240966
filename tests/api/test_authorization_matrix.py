"""Every route x every role: anonymous 401; someone else's data 404 (never 403)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.timezones import local_date
from patients.redflags import QUESTION_KEYS
from programs.models import BoosterPrompt
from programs.selectors import current_program
from programs.services import program_start_maintenance
from tests.api.conftest import client_for
from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "patient", "other_patient", "therapist", "other_clinic_therapist")


@dataclass
class World:
    patient: object
    other_patient: object
    therapist: object
    other_clinic_therapist: object
    walk: object
    lesson_id: int
    alert: object
    program: object
    booster: object = None

    def url(self, template: str) -> str:
        return template.format(
            walk=self.walk.id,
            lesson=self.lesson_id,
            patient=self.patient.id,
            alert=self.alert.id,
            booster=self.booster.id if self.booster else 0,
        )

    def client(self, role: str) -> APIClient:
        if role == "anonymous":
            return APIClient()
        return client_for(getattr(self, role).user)


@pytest.fixture
def world() -> World:
    program = WalkingProgramFactory()
    patient = program.patient
    other_patient = PatientFactory(therapist=patient.therapist)  # same clinic
    WalkingProgramFactory(patient=other_patient)
    for someone in (patient, other_patient):
        PainCheckInFactory(patient=someone, date=local_date(timezone.now(), someone.timezone))
    return World(
        patient=patient,
        other_patient=other_patient,
        therapist=patient.therapist,
        other_clinic_therapist=TherapistFactory(),
        walk=WalkLogFactory(patient=patient),
        lesson_id=LessonAssignmentFactory(patient=patient).lesson_id,
        alert=AlertFactory(patient=patient),
        program=program,
        booster=BoosterPrompt.objects.create(
            patient=patient, created_on=program.start_date, reason="Walking dropped."
        ),
    )


def walk_body(w):
    return {
        "started_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 15,
        "kind": "outdoor",
        "talk_test": "brisk",
        "pain_before": 2,
        "pain_after": 2,
    }


def pain_body(w):
    return {"date": str(timezone.localdate() - timedelta(days=1)), "score": 3}


def recurrence_body(w):
    """Both patients in maintenance, so each may answer their own monthly check-in."""
    for someone in (w.patient, w.other_patient):
        program = current_program(patient=someone)
        if not program.in_maintenance:
            program_start_maintenance(program=program, day=program.start_date)
    return {"had_episode": False}


def steps_body(w):
    today = timezone.localdate() - timedelta(days=1)
    csv = f"date,steps\n{today},4200\n".encode()
    return {"file": SimpleUploadedFile("steps.csv", csv), "format": "csv"}


def screening_body(w):
    return dict.fromkeys(QUESTION_KEYS, False)


_counter = iter(range(10**6))


def patient_body(w):
    return {
        "username": f"matrix{next(_counter)}",
        "password": "a-long-unusual-passphrase",
        "first_name": "M",
        "last_name": "X",
        "email": "m@example.org",
        "date_of_birth": "1970-01-01",
        "baseline_pain": 4,
    }


def program_body(w):
    return {
        "start_date": str(w.program.start_date),
        "sessions_per_day": 2,
        "days_per_week": 7,
        "minutes_per_session": 11,
        "increment_minutes": 1,
        "increment_every_days": 7,
        "max_minutes_per_session": 30,
        "indoor_allowed": True,
    }


# Who may reach what. "own": the patient's own /me/ data (another patient gets their own);
# "mine": one of the patient's objects; "clinic": a list of the therapist's clinic;
# "clinic_object": one patient or alert of the therapist's clinic.
ACCESS = {
    "own": {"patient": True, "other_patient": True},
    "mine": {"patient": True},
    "clinic": {"therapist": True, "other_clinic_therapist": True},
    "clinic_object": {"therapist": True},
    # Clinic admins only (tests/audit/test_audit_api_list.py): none of these roles.
    "clinic_admin": {},
}

ROUTES = [
    # (method, path, body, access, success status)
    ("get", "/api/v1/me/", None, "own", 200),
    ("get", "/api/v1/me/today/", None, "own", 200),
    ("get", "/api/v1/me/program/", None, "own", 200),
    ("get", "/api/v1/me/walks/", None, "own", 200),
    ("post", "/api/v1/me/walks/", walk_body, "own", 201),
    ("get", "/api/v1/me/walks/{walk}/", None, "mine", 200),
    ("patch", "/api/v1/me/walks/{walk}/", lambda w: {"note": "x"}, "mine", 200),
    ("delete", "/api/v1/me/walks/{walk}/", None, "mine", 204),
    ("get", "/api/v1/me/pain/", None, "own", 200),
    ("post", "/api/v1/me/pain/", pain_body, "own", 201),
    ("get", "/api/v1/me/progress/", None, "own", 200),
    ("get", "/api/v1/me/lessons/", None, "own", 200),
    ("post", "/api/v1/me/lessons/{lesson}/complete/", None, "mine", 200),
    ("get", "/api/v1/me/screening/", None, "own", 200),
    ("post", "/api/v1/me/screening/", screening_body, "own", 201),
    ("get", "/api/v1/patients/", None, "clinic", 200),
    ("post", "/api/v1/patients/", patient_body, "clinic", 201),
    ("get", "/api/v1/patients/{patient}/", None, "clinic_object", 200),
    (
        "patch",
        "/api/v1/patients/{patient}/",
        lambda w: {"baseline_pain": 3},
        "clinic_object",
        200,
    ),
    ("get", "/api/v1/patients/{patient}/program/", None, "clinic_object", 200),
    (
        "put",
        "/api/v1/patients/{patient}/program/",
        program_body,
        "clinic_object",
        200,
    ),
    ("get", "/api/v1/patients/{patient}/walks/", None, "clinic_object", 200),
    ("get", "/api/v1/patients/{patient}/pain/", None, "clinic_object", 200),
    ("get", "/api/v1/patients/{patient}/progress/", None, "clinic_object", 200),
    ("get", "/api/v1/me/questionnaires/", None, "own", 200),
    ("post", "/api/v1/me/questionnaires/nprs/", lambda w: {"answers": {"pain": 4}}, "own", 201),
    ("get", "/api/v1/patients/{patient}/questionnaires/", None, "clinic_object", 200),
    (
        "post",
        "/api/v1/patients/{patient}/questionnaires/schedule/",
        lambda w: {"defaults": True},
        "clinic_object",
        201,
    ),
    ("get", "/api/v1/alerts/", None, "clinic", 200),
    ("get", "/api/v1/me/fhir/", None, "own", 200),
    ("get", "/api/v1/patients/{patient}/fhir/", None, "clinic_object", 200),
    ("post", "/api/v1/alerts/{alert}/acknowledge/", None, "clinic_object", 200),
    (
        "post",
        "/api/v1/patients/{patient}/program/maintenance/",
        lambda w: {},
        "clinic_object",
        200,
    ),
    ("get", "/api/v1/patients/{patient}/recurrence/", None, "clinic_object", 200),
    ("get", "/api/v1/me/recurrence/", None, "own", 200),
    ("post", "/api/v1/me/recurrence/", recurrence_body, "own", 201),
    ("get", "/api/v1/me/boosters/", None, "own", 200),
    ("post", "/api/v1/me/boosters/{booster}/dismiss/", None, "mine", 200),
    ("get", "/api/v1/me/steps/", None, "own", 200),
    ("post", "/api/v1/me/steps/import/", steps_body, "own", 201),
    ("get", "/api/v1/patients/{patient}/steps/", None, "clinic_object", 200),
    ("post", "/api/v1/patients/{patient}/steps/import/", steps_body, "clinic_object", 201),
    ("get", "/api/v1/audit/", None, "clinic_admin", 200),
]


def expected_status(role: str, access: str, success: int) -> int:
    if role == "anonymous":
        return 401
    return success if ACCESS[access].get(role) else 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "access", "success"),
    ROUTES,
    ids=[f"{method.upper()} {path}" for method, path, *_ in ROUTES],
)
def test_authorization(world, role, method, path, body, access, success):
    client = world.client(role)
    kwargs = {"data": body(world)} if body else {}
    if any(isinstance(v, SimpleUploadedFile) for v in kwargs.get("data", {}).values()):
        kwargs["format"] = "multipart"

    r = getattr(client, method)(world.url(path), **kwargs)

    assert r.status_code == expected_status(role, access, success), r.content


@pytest.mark.parametrize("path", ["/api/v1/patients/", "/api/v1/alerts/"])
def test_another_clinics_therapist_sees_none_of_this_clinics_rows(world, path):
    r = world.client("other_clinic_therapist").get(path)

    assert r.json()["results"] == []


def test_another_patient_sees_none_of_the_patients_rows(world):
    client = world.client("other_patient")

    walks = client.get("/api/v1/me/walks/").json()["results"]
    pain = client.get("/api/v1/me/pain/").json()["results"]
    lessons = client.get("/api/v1/me/lessons/").json()

    assert walks == lessons == []
    assert {row["id"] for row in pain} == set(
        world.other_patient.pain_checkins.values_list("id", flat=True)
    )


def test_a_clinic_admin_reads_the_audit_trail_of_their_clinic_only(world):
    world.therapist.is_clinic_admin = True
    world.therapist.save()
    client_for(world.other_clinic_therapist.user).get("/api/v1/patients/")  # elsewhere
    client_for(world.therapist.user).get(world.url("/api/v1/patients/{patient}/"))

    r = client_for(world.therapist.user).get("/api/v1/audit/")

    assert r.status_code == 200
    assert [row["patient_ref"] for row in r.json()["results"]] == [world.patient.id]
