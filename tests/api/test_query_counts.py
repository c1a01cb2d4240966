"""Every list endpoint: the same number of queries for 1 row as for 50."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from patients.models import Alert
from tests.api.conftest import client_for
from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    PainCheckInFactory,
    PatientFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db


def fresh_client(user):
    """A client whose user has no cached relations, as on a real request."""
    return client_for(get_user_model().objects.get(pk=user.pk))


def make_walks(patient, n):
    for i in range(n):
        WalkLogFactory(patient=patient, started_at=timezone.now() - timedelta(hours=3 * i + 1))


def make_checkins(patient, n):
    for i in range(n):
        PainCheckInFactory(patient=patient, date=timezone.localdate() - timedelta(days=i))


def make_lessons(patient, n):
    LessonAssignmentFactory.create_batch(n, patient=patient)


def make_patients(patient, n):
    for _ in range(n - 1):
        other = PatientFactory(therapist=patient.therapist)
        WalkingProgramFactory(patient=other)
        AlertFactory(patient=other)
        WalkLogFactory(patient=other)


def make_alerts(patient, n):
    AlertFactory.create_batch(n, patient=patient, status=Alert.Status.ACKNOWLEDGED)


@pytest.fixture
def program():
    return WalkingProgramFactory()


@pytest.mark.parametrize("rows", [1, 50])
def test_my_walks(program, rows, django_assert_num_queries):
    make_walks(program.patient, rows)
    client = fresh_client(program.patient.user)

    # 1. savepoint (ATOMIC_REQUESTS)  2. the user's patient record
    # 3. the user's therapist record (the access gateway: none)  4. the page of walks
    # 5. release savepoint
    with django_assert_num_queries(5):
        r = client.get("/api/v1/me/walks/")

    assert len(r.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_a_patients_walks(program, rows, django_assert_num_queries):
    make_walks(program.patient, rows)
    client = fresh_client(program.therapist.user)

    # 1. savepoint  2. the therapist record  3. the patient, scoped to the clinic
    # 4. the page of walks  5. the audit event (one INSERT)  6. release savepoint
    with django_assert_num_queries(6):
        r = client.get(f"/api/v1/patients/{program.patient_id}/walks/")

    assert len(r.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_my_pain(program, rows, django_assert_num_queries):
    make_checkins(program.patient, rows)
    client = fresh_client(program.patient.user)

    # 1. savepoint  2. patient record  3. therapist record (none)  4. the page  5. release
    with django_assert_num_queries(5):
        r = client.get("/api/v1/me/pain/")

    assert len(r.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_a_patients_pain(program, rows, django_assert_num_queries):
    make_checkins(program.patient, rows)
    client = fresh_client(program.therapist.user)

    # 1. savepoint  2. therapist record  3. the patient  4. the page
    # 5. the audit event  6. release
    with django_assert_num_queries(6):
        r = client.get(f"/api/v1/patients/{program.patient_id}/pain/")

    assert len(r.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_my_lessons(program, rows, django_assert_num_queries):
    make_lessons(program.patient, rows)
    client = fresh_client(program.patient.user)

    # 1. savepoint  2. patient record  3. assignments with their lessons  4. release
    with django_assert_num_queries(4):
        r = client.get("/api/v1/me/lessons/")

    assert len(r.json()) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_my_progress(program, rows, django_assert_num_queries):
    make_walks(program.patient, rows)
    make_checkins(program.patient, rows)
    client = fresh_client(program.patient.user)

    # 1. savepoint  2. patient record  3. current program  4. on PostgreSQL one statement
    # for the days (elsewhere its target changes, walks per day, check-ins' and walks'
    # pain per day, steps per day)  5. release
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 8):
        r = client.get("/api/v1/me/progress/")

    assert len(r.json()["weeks"]) == 8


@pytest.mark.parametrize("rows", [1, 50])
def test_a_patients_progress(program, rows, django_assert_num_queries):
    make_walks(program.patient, rows)
    make_checkins(program.patient, rows)
    client = fresh_client(program.therapist.user)

    # 1. savepoint  2. therapist record  3. the patient  4. current program  5. on
    # PostgreSQL one statement for the days (elsewhere 4: as above)  6. the audit event
    # 7. release
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 10):
        r = client.get(f"/api/v1/patients/{program.patient_id}/progress/")

    assert len(r.json()["weeks"]) == 8


@pytest.mark.parametrize("rows", [1, 50])
def test_patients(program, rows, django_assert_num_queries):
    make_patients(program.patient, rows)
    client = fresh_client(program.therapist.user)

    # 1. savepoint  2. therapist record  3. the patients' distinct time zones (local today)
    # 4. count for the page  5. the page of patients with users, therapists and every
    # caseload column  6. the audit event (one "list" row)  7. release
    with django_assert_num_queries(7):
        r = client.get("/api/v1/patients/")

    assert r.json()["count"] == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_alerts(program, rows, django_assert_num_queries):
    make_alerts(program.patient, rows)
    client = fresh_client(program.therapist.user)

    # 1. savepoint  2. therapist record  3. the page of alerts with patients' users
    # 4. the audit event (one "list" row)  5. release
    with django_assert_num_queries(5):
        r = client.get("/api/v1/alerts/")

    assert len(r.json()["results"]) == rows
