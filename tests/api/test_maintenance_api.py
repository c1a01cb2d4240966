"""The maintenance phase, monthly recurrence check-ins and booster prompts over the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from programs.maintenance import month_start
from programs.models import BoosterPrompt, RecurrenceCheckIn, TargetChange
from programs.services import program_start_maintenance
from tests.api.conftest import client_for
from tests.factories import TherapistFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return WalkingProgramFactory(
        patient__timezone="UTC", start_date=timezone.localdate() - timedelta(90)
    )


@pytest.fixture
def maintenance(program):
    start = timezone.localdate() - timedelta(days=40)
    return program_start_maintenance(program=program, day=start)


def test_a_therapist_moves_a_program_to_maintenance(program):
    client = client_for(program.therapist.user)

    r = client.post(f"/api/v1/patients/{program.patient_id}/program/maintenance/", {})

    assert r.status_code == 200, r.content
    assert (r.json()["phase"], r.json()["maintenance_started_on"]) == (
        "maintenance",
        str(timezone.localdate()),
    )
    assert r.json()["history"][0]["reason"] == TargetChange.Reason.MAINTENANCE
    program.refresh_from_db()
    assert program.phase == "maintenance"


def test_moving_to_maintenance_twice_is_a_400_naming_the_phase(maintenance):
    client = client_for(maintenance.therapist.user)

    r = client.post(f"/api/v1/patients/{maintenance.patient_id}/program/maintenance/", {})

    assert r.status_code == 400
    assert "phase" in r.json()


def test_maintenance_with_a_future_day_is_a_400(program):
    client = client_for(program.therapist.user)
    tomorrow = timezone.localdate() + timedelta(days=1)

    r = client.post(
        f"/api/v1/patients/{program.patient_id}/program/maintenance/", {"day": str(tomorrow)}
    )

    assert r.status_code == 400
    assert "day" in r.json()


def test_another_clinics_therapist_cannot_start_maintenance(program):
    client = client_for(TherapistFactory().user)

    r = client.post(f"/api/v1/patients/{program.patient_id}/program/maintenance/", {})

    assert r.status_code == 404
    program.refresh_from_db()
    assert program.phase == "active"


def test_my_recurrence_is_due_in_maintenance(maintenance):
    client = client_for(maintenance.patient.user)

    r = client.get("/api/v1/me/recurrence/")

    assert r.status_code == 200
    assert r.json() == {
        "due": True,
        "maintenance_started_on": str(maintenance.maintenance_started_on),
        "history": [],
    }


def test_my_recurrence_is_not_due_before_maintenance(program):
    r = client_for(program.patient.user).get("/api/v1/me/recurrence/")

    assert r.json()["due"] is False


def test_posting_a_recurrence_checkin_creates_then_replaces_it(maintenance):
    client = client_for(maintenance.patient.user)
    episode = str(timezone.localdate())

    first = client.post("/api/v1/me/recurrence/", {"had_episode": False})
    second = client.post(
        "/api/v1/me/recurrence/",
        {"had_episode": True, "episode_started_on": episode, "sought_care": True},
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["episode_started_on"] == episode
    row = RecurrenceCheckIn.objects.get(patient=maintenance.patient)
    assert (row.month, row.had_episode, row.sought_care) == (
        month_start(timezone.localdate()),
        True,
        True,
    )
    assert client.get("/api/v1/me/recurrence/").json()["due"] is False


def test_an_episode_without_a_date_is_a_400_naming_the_field(maintenance):
    client = client_for(maintenance.patient.user)

    r = client.post("/api/v1/me/recurrence/", {"had_episode": True})

    assert r.status_code == 400
    assert "episode_started_on" in r.json()
    assert not RecurrenceCheckIn.objects.exists()


def test_a_recurrence_checkin_before_maintenance_is_a_400(program):
    r = client_for(program.patient.user).post("/api/v1/me/recurrence/", {"had_episode": False})

    assert r.status_code == 400
    assert "non_field_errors" in r.json()


def test_a_therapist_reads_a_patients_recurrence_checkins(maintenance):
    RecurrenceCheckIn.objects.create(
        patient=maintenance.patient, month=month_start(timezone.localdate()), had_episode=False
    )

    r = client_for(maintenance.therapist.user).get(
        f"/api/v1/patients/{maintenance.patient_id}/recurrence/"
    )

    assert r.status_code == 200
    assert [c["had_episode"] for c in r.json()["history"]] == [False]


def test_my_boosters_lists_and_dismisses_my_prompt(maintenance):
    prompt = BoosterPrompt.objects.create(
        patient=maintenance.patient, created_on=timezone.localdate(), reason="Walking dropped."
    )
    client = client_for(maintenance.patient.user)

    listed = client.get("/api/v1/me/boosters/").json()
    dismissed = client.post(f"/api/v1/me/boosters/{prompt.id}/dismiss/")

    assert [(p["id"], p["reason"], p["dismissed_at"]) for p in listed] == [
        (prompt.id, "Walking dropped.", None)
    ]
    assert dismissed.status_code == 200
    prompt.refresh_from_db()
    assert prompt.dismissed_at is not None


def test_another_patients_booster_is_a_404(maintenance):
    prompt = BoosterPrompt.objects.create(
        patient=maintenance.patient, created_on=timezone.localdate(), reason="x"
    )
    other = WalkingProgramFactory().patient

    r = client_for(other.user).post(f"/api/v1/me/boosters/{prompt.id}/dismiss/")

    assert r.status_code == 404
    prompt.refresh_from_db()
    assert prompt.dismissed_at is None


@pytest.mark.parametrize("rows", [1, 50])
def test_a_patients_recurrence_queries_do_not_grow(maintenance, rows, django_assert_num_queries):
    month = month_start(timezone.localdate())
    for i in range(rows):
        RecurrenceCheckIn.objects.create(
            patient=maintenance.patient,
            month=date(month.year - 5, 1, 1) + timedelta(days=31 * i),
            had_episode=False,
        )
    client = client_for(get_user_model().objects.get(pk=maintenance.therapist.user.pk))

    # 1. savepoint  2. therapist record  3. the patient, scoped to the clinic
    # 4. the current program  5. the check-ins  6. release savepoint
    with django_assert_num_queries(6):
        r = client.get(f"/api/v1/patients/{maintenance.patient_id}/recurrence/")

    assert len(r.json()["history"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_my_boosters_queries_do_not_grow(maintenance, rows, django_assert_num_queries):
    for i in range(rows):
        BoosterPrompt.objects.create(
            patient=maintenance.patient,
            created_on=timezone.localdate() - timedelta(days=i),
            reason="x",
            dismissed_at=timezone.now(),
        )
    client = client_for(get_user_model().objects.get(pk=maintenance.patient.user.pk))

    # 1. savepoint  2. patient record  3. the prompts  4. release savepoint
    with django_assert_num_queries(4):
        r = client.get("/api/v1/me/boosters/")

    assert len(r.json()) == min(rows, 20)
