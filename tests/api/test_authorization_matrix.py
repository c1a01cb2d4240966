"""Every route x every role: anonymous 401; someone else's data 404 (never 403).

HOW TO ADD A ROUTE (a new /api/v1/ or /portal/ route not declared here FAILS the suite,
see test_every_api_route_is_in_the_matrix / test_every_portal_route_is_declared):

    ROUTES: one tuple per route and method, appended at the end of the list:
        (method, path, body, access, success status)
      - method: "get", "post", "put", "patch" or "delete"
      - path: the URL with {walk}, {lesson}, {patient} or {alert} for the world's objects
        (all of them belong to `patient`, of `therapist`'s clinic); add a field to World
        and to World.url for a new kind of object
      - body: None, or a function world -> request data
      - access: a key of ACCESS ("own", "mine", "clinic", "clinic_object", "anyone")
      - success: the status code a role with access gets
    PUBLIC_ROUTES: (method, path) of the few routes anonymous callers may use.
    PORTAL_ROUTES: one path per /portal/ route (with {lesson} etc.), and whether signing in
      is needed.

ROLES: anonymous, the patient, another patient of the same clinic, their therapist, a
therapist of another clinic, a clinic admin of the same clinic and of another clinic, a
superuser. Roles without access get 404 (401 when anonymous).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.timezones import local_date
from patients.redflags import QUESTION_KEYS
from programs.models import BoosterPrompt, WalkLog
from programs.selectors import current_program
from programs.services import program_start_maintenance
from tests.api.conftest import client_for
from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    UserFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "patient",
    "other_patient",
    "therapist",
    "other_clinic_therapist",
    "clinic_admin",
    "other_clinic_admin",
    "superuser",
)


@dataclass
class World:
    patient: object
    other_patient: object
    therapist: object
    other_clinic_therapist: object
    clinic_admin: object
    other_clinic_admin: object
    superuser: object
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
            measure="nprs",
        )

    def client(self, role: str) -> APIClient:
        if role == "anonymous":
            return APIClient()
        someone = getattr(self, role)
        return client_for(getattr(someone, "user", someone))


@pytest.fixture
def world() -> World:
    program = WalkingProgramFactory()
    patient = program.patient
    other_patient = PatientFactory(therapist=patient.therapist)  # same clinic
    WalkingProgramFactory(patient=other_patient)
    for someone in (patient, other_patient):
        PainCheckInFactory(patient=someone, date=local_date(timezone.now(), someone.timezone))
    other_clinic_therapist = TherapistFactory()
    return World(
        patient=patient,
        other_patient=other_patient,
        therapist=patient.therapist,
        other_clinic_therapist=other_clinic_therapist,
        clinic_admin=TherapistFactory(clinic=patient.clinic, is_clinic_admin=True),
        other_clinic_admin=TherapistFactory(
            clinic=other_clinic_therapist.clinic, is_clinic_admin=True
        ),
        superuser=UserFactory(is_staff=True, is_superuser=True),
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
    # Clinic admins (their own clinic's events) and superusers: tests/audit/.
    "clinic_admin": {"clinic_admin": True, "other_clinic_admin": True, "superuser": True},
    "clinic": {
        "therapist": True,
        "other_clinic_therapist": True,
        "clinic_admin": True,
        "other_clinic_admin": True,
    },
    "clinic_object": {"therapist": True, "clinic_admin": True},
    "anyone": dict.fromkeys(ROLES[1:], True),
}
# Routes open to anonymous callers (tested in tests/api/test_auth.py): (method, path).
PUBLIC_ROUTES = [("post", "/api/v1/auth/login/")]
# A superuser without a Therapist row works in the admin, not the therapist API: 404 there.

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
    (
        "post",
        "/api/v1/me/questionnaires/{measure}/",
        lambda w: {"answers": {"pain": 4}},
        "own",
        201,
    ),
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
    ("post", "/api/v1/auth/logout/", None, "anyone", 204),
    ("post", "/api/v1/auth/logout-all/", None, "anyone", 204),
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


# --- Coverage: a route that is not declared above fails the suite -----------------------

# Portal pages (session sign-in; anonymous visitors are sent to the login page).
# (path, needs sign-in). {assignment}: one of the patient's lesson assignments.
PORTAL_ROUTES = [
    ("/portal/", True),
    ("/portal/login/", False),
    ("/portal/logout/", False),
    ("/portal/welcome/", True),
    ("/portal/welcome/program/", True),
    ("/portal/warning-signs/", True),
    ("/portal/warning-signs/result/", True),
    ("/portal/walks/new/", True),
    ("/portal/pain/", True),
    ("/portal/flare-up/", True),
    ("/portal/progress/", True),
    ("/portal/lessons/", True),
    ("/portal/lessons/{assignment}/complete/", True),
    ("/portal/progress/summary-email/", True),
    ("/portal/questionnaires/", True),
    ("/portal/questionnaires/{measure}/", True),
    ("/portal/recurrence/", True),
    ("/portal/boosters/{booster}/dismiss/", True),
]


def _routes_under(prefix: str) -> set[str]:
    """Every URL pattern under ``prefix``, with each path converter written as {}."""
    import re

    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, base):
        for p in patterns:
            route = base + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                yield route

    found = {"/" + re.sub(r"<[^>]+>", "{}", r) for r in walk(get_resolver().url_patterns, "")}
    return {r for r in found if r.startswith(prefix)}


def _normalise(path: str) -> str:
    import re

    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_api_route_is_in_the_matrix():
    declared = {_normalise(path) for _, path, *_ in [*ROUTES, *PUBLIC_ROUTES]}

    missing = _routes_under("/api/v1/") - declared

    assert missing == set(), f"add these routes to ROUTES in {__file__}: {sorted(missing)}"


def test_every_api_method_in_the_schema_is_in_the_matrix():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    in_schema = {
        (method, _normalise(path))
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    declared = {(method, _normalise(path)) for method, path, *_ in [*ROUTES, *PUBLIC_ROUTES]}

    missing = in_schema - declared

    assert missing == set(), f"add these to ROUTES in {__file__}: {sorted(missing)}"


def test_every_portal_route_is_declared():
    declared = {_normalise(path) for path, _ in PORTAL_ROUTES}

    missing = _routes_under("/portal/") - declared

    assert missing == set(), f"add these to PORTAL_ROUTES in {__file__}: {sorted(missing)}"


@pytest.mark.parametrize(("path", "signed_in"), PORTAL_ROUTES, ids=[p for p, _ in PORTAL_ROUTES])
def test_portal_pages_send_anonymous_visitors_to_the_login(client, world, path, signed_in):
    assignment = world.patient.lesson_assignments.get()
    r = client.get(path.format(assignment=assignment.id, measure="nprs", booster=1))

    if signed_in:
        assert r.status_code in (302, 405), r
        if r.status_code == 302:
            assert r["Location"].startswith("/portal/login/")
    else:
        assert r.status_code in (200, 302, 405)


def test_another_patient_cannot_complete_the_patients_lesson_in_the_portal(client, world):
    assignment = world.patient.lesson_assignments.get()
    other = world.other_patient
    other.onboarded_at = timezone.now()
    other.save(update_fields=["onboarded_at"])
    client.force_login(other.user)

    r = client.post(f"/portal/lessons/{assignment.id}/complete/")

    assert r.status_code == 404
    assignment.refresh_from_db()
    assert assignment.completed_at is None


@pytest.mark.parametrize("role", ["therapist", "other_clinic_therapist", "superuser"])
def test_staff_get_no_patient_portal(client, world, role):
    someone = getattr(world, role)
    client.force_login(getattr(someone, "user", someone))

    r = client.get("/portal/progress/")

    assert r.status_code == 403
    assert world.patient.user.first_name.encode() not in r.content


# --- Lists, filters and search leak nothing -------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "?search={last_name}",
        "?search={username}",
        "?therapist={therapist}",
        "?has_open_alerts=true",
        "?ordering=-open_alerts",
    ],
)
def test_patient_list_filters_and_search_find_nothing_of_another_clinic(world, query):
    p = world.patient
    url = "/api/v1/patients/" + query.format(
        last_name=p.user.last_name, username=p.user.username, therapist=p.therapist_id
    )

    r = world.client("other_clinic_therapist").get(url)

    assert r.status_code in (200, 400)
    if r.status_code == 200:
        assert r.json()["results"] == []


@pytest.mark.parametrize("query", ["?patient={patient}", "?status=open", "?kind={kind}"])
def test_alert_filters_find_nothing_of_another_clinic(world, query):
    url = "/api/v1/alerts/" + query.format(patient=world.patient.id, kind=world.alert.kind)

    r = world.client("other_clinic_therapist").get(url)

    assert r.status_code == 200
    assert r.json()["results"] == []


@pytest.mark.parametrize(
    "path", ["/api/v1/me/walks/?patient={patient}", "/api/v1/me/pain/?patient={patient}"]
)
def test_a_patient_cannot_filter_their_way_to_another_patients_rows(world, path):
    r = world.client("other_patient").get(path.format(patient=world.patient.id))

    assert r.status_code == 400
    assert r.json() == {"patient": ["Unknown query parameter."]}


# --- Mass assignment: owner fields cannot be set ----------------------------------------


def test_a_patient_cannot_log_a_walk_for_someone_else(world):
    body = {**walk_body(world), "patient": world.other_patient.id, "user": 1}
    before = WalkLog.objects.count()

    r = world.client("patient").post("/api/v1/me/walks/", body)

    assert r.status_code == 400
    assert set(r.json()) == {"patient", "user"}
    assert WalkLog.objects.count() == before


def test_a_patient_cannot_move_their_walk_to_someone_else(world):
    r = world.client("patient").patch(
        f"/api/v1/me/walks/{world.walk.id}/", {"patient": world.other_patient.id}
    )

    assert r.status_code == 400
    assert r.json() == {"patient": ["Unknown field."]}
    world.walk.refresh_from_db()
    assert world.walk.patient_id == world.patient.id


def test_a_patient_cannot_record_pain_for_someone_else(world):
    before = world.other_patient.pain_checkins.count()
    body = {**pain_body(world), "patient": world.other_patient.id}

    r = world.client("patient").post("/api/v1/me/pain/", body)

    assert r.json() == {"patient": ["Unknown field."]}
    assert world.other_patient.pain_checkins.count() == before


def test_a_therapist_cannot_create_a_patient_in_another_clinic(world):
    other = world.other_clinic_therapist
    body = {**patient_body(world), "clinic": other.clinic_id, "therapist": other.id}

    r = world.client("therapist").post("/api/v1/patients/", body)

    assert r.status_code == 400
    assert set(r.json()) == {"clinic", "therapist"}
    assert not other.clinic.patients.exists()


def test_a_therapist_cannot_hand_a_patient_to_another_clinics_therapist(world):
    r = world.client("therapist").patch(
        f"/api/v1/patients/{world.patient.id}/",
        {"therapist": world.other_clinic_therapist.id},
    )

    assert r.status_code == 400
    assert "therapist" in r.json()
    world.patient.refresh_from_db()
    assert world.patient.therapist_id == world.therapist.id


def test_a_therapist_cannot_move_a_patient_to_another_clinic_or_user(world):
    other = world.other_clinic_therapist
    user_id = world.patient.user_id

    r = world.client("therapist").patch(
        f"/api/v1/patients/{world.patient.id}/",
        {"clinic": other.clinic_id, "user": other.user_id},
    )

    assert r.json() == {"clinic": ["Unknown field."], "user": ["Unknown field."]}
    world.patient.refresh_from_db()
    assert (world.patient.clinic_id, world.patient.user_id) == (world.therapist.clinic_id, user_id)


def test_a_therapist_cannot_point_a_program_at_another_patient(world):
    body = {**program_body(world), "patient": world.other_patient.id}

    r = world.client("therapist").put(f"/api/v1/patients/{world.patient.id}/program/", body)

    assert r.json() == {"patient": ["Unknown field."]}
    world.program.refresh_from_db()
    assert world.program.patient_id == world.patient.id
