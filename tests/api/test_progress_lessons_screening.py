from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from clinic.timezones import local_date, week_start
from patients.models import Alert, RedFlagScreen
from patients.redflags import CLEAR_ADVICE, EMERGENCY_ADVICE, QUESTION_KEYS, URGENT_ADVICE
from programs.models import WalkingProgram
from tests.api.conftest import client_for
from tests.factories import (
    LessonAssignmentFactory,
    PatientFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # a Wednesday, midday
def test_progress_defaults_to_eight_weeks_oldest_first():
    program = WalkingProgramFactory(sessions_per_day=2, minutes_per_session=10)
    patient = program.patient
    WalkLogFactory(patient=patient, duration_minutes=12, pain_after=4)
    this_monday = week_start(local_date(timezone.now(), patient.timezone))

    r = client_for(patient.user).get("/api/v1/me/progress/")

    assert r.status_code == 200
    weeks = r.json()["weeks"]
    assert len(weeks) == 8
    assert weeks[-1]["week_start"] == str(this_monday)
    assert weeks[0]["week_start"] == str(this_monday - timedelta(weeks=7))
    assert weeks[-1]["minutes"] == 12
    assert weeks[-1]["pain_mean"] == 4.0
    assert set(weeks[-1]) == {
        "week_start",
        "minutes",
        "target_minutes",
        "sessions",
        "target_sessions",
        "adherence",
        "pain_mean",
        "steps",
    }


def test_progress_takes_a_number_of_weeks():
    patient = PatientFactory()

    r = client_for(patient.user).get("/api/v1/me/progress/", {"weeks": 3})

    assert len(r.json()["weeks"]) == 3


@pytest.mark.parametrize("weeks", ["0", "53", "many"])
def test_progress_rejects_a_bad_number_of_weeks(weeks):
    patient = PatientFactory()

    r = client_for(patient.user).get("/api/v1/me/progress/", {"weeks": weeks})

    assert r.status_code == 400
    assert list(r.json()) == ["weeks"]


def test_a_therapist_reads_their_patients_progress():
    patient = PatientFactory()

    r = client_for(patient.therapist.user).get(
        f"/api/v1/patients/{patient.id}/progress/", {"weeks": 2}
    )

    assert r.status_code == 200
    assert len(r.json()["weeks"]) == 2


def test_lessons_lists_the_patients_assignments():
    assignment = LessonAssignmentFactory(lesson__title="Why walking helps")
    LessonAssignmentFactory()  # someone else's

    r = client_for(assignment.patient.user).get("/api/v1/me/lessons/")

    assert r.status_code == 200
    assert [(lesson["id"], lesson["title"]) for lesson in r.json()] == [
        (assignment.lesson_id, "Why walking helps")
    ]
    assert r.json()[0]["completed_at"] is None


def test_completing_a_lesson_records_when():
    assignment = LessonAssignmentFactory()

    r = client_for(assignment.patient.user).post(
        f"/api/v1/me/lessons/{assignment.lesson_id}/complete/"
    )

    assert r.status_code == 200
    assignment.refresh_from_db()
    assert assignment.completed_at is not None
    assert r.json()["completed_at"] is not None


def test_completing_a_lesson_not_assigned_to_me_is_404():
    mine, theirs = LessonAssignmentFactory(), LessonAssignmentFactory()

    r = client_for(mine.patient.user).post(f"/api/v1/me/lessons/{theirs.lesson_id}/complete/")

    assert r.status_code == 404
    theirs.refresh_from_db()
    assert theirs.completed_at is None


def answers(**yes):
    return {key: yes.get(key, False) for key in QUESTION_KEYS}


def test_screening_lists_the_questions():
    patient = PatientFactory()

    r = client_for(patient.user).get("/api/v1/me/screening/")

    assert [q["key"] for q in r.json()["questions"]] == list(QUESTION_KEYS)


def test_a_clear_screen_opens_no_alert():
    patient = PatientFactory()

    r = client_for(patient.user).post("/api/v1/me/screening/", answers())

    assert r.status_code == 201
    assert (r.json()["positive"], r.json()["advice"]) == (False, CLEAR_ADVICE)
    assert Alert.objects.count() == 0


def test_a_positive_screen_alerts_the_therapist_at_once_and_tells_the_patient(
    django_capture_on_commit_callbacks,
):
    program = WalkingProgramFactory()
    patient = program.patient

    with django_capture_on_commit_callbacks(execute=True):
        r = client_for(patient.user).post("/api/v1/me/screening/", answers(weight_loss=True))

    assert r.status_code == 201
    body = r.json()
    assert (body["positive"], body["emergency"], body["advice"]) == (True, False, URGENT_ADVICE)
    assert body["positive_answers"] == ["weight_loss"]
    alert = Alert.objects.get(patient=patient)
    assert (alert.kind, alert.severity) == ("red_flag", "urgent")
    assert mail.outbox[0].to == [patient.therapist.user.email]
    assert WalkingProgram.objects.get().progression_paused_for_red_flag is True


def test_a_cauda_equina_sign_is_an_emergency():
    patient = PatientFactory()

    r = client_for(patient.user).post("/api/v1/me/screening/", answers(saddle_numbness=True))

    assert (r.json()["emergency"], r.json()["advice"]) == (True, EMERGENCY_ADVICE)


def test_a_screen_with_missing_or_bad_answers_is_400_naming_each():
    patient = PatientFactory()
    body = answers()
    del body["trauma"]
    body["fever_unwell"] = "dunno"

    r = client_for(patient.user).post("/api/v1/me/screening/", body)

    assert r.status_code == 400
    assert set(r.json()) == {"trauma", "fever_unwell"}
    assert RedFlagScreen.objects.count() == 0
