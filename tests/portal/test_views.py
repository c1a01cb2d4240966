from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic.models import IdempotencyRecord
from patients.models import Alert, PainCheckIn, RedFlagScreen
from patients.redflags import EMERGENCY_ADVICE, QUESTION_KEYS
from programs.models import WalkLog
from tests.factories import (
    DEFAULT_PASSWORD,
    LessonAssignmentFactory,
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)
from tests.query_counts import TODAY_SUMMARY_QUERIES

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _midday():
    """Midday in London, so "today" and "two hours ago" are the same local day."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient():
    patient = PatientFactory(onboarded_at=timezone.now(), timezone="Europe/London")
    WalkingProgramFactory(patient=patient, sessions_per_day=2, minutes_per_session=12)
    return patient


@pytest.fixture
def portal(client, patient):
    client.force_login(patient.user)
    return client


def walk_data(**overrides) -> dict:
    started = NOW - timedelta(minutes=30)
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "duration_minutes": "12",
        "kind": "outdoor",
        "talk_test": "brisk",
        "pain_before": "3",
        "pain_after": "2",
        "walked_on": "today",
        "start_time": started.strftime("%H:%M"),
    }
    return {**data, **overrides}


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("portal:today"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


def test_it_redirects_the_site_root_to_the_portal(client):
    response = client.get("/")

    assert response.url == "/portal/"


def test_it_signs_a_patient_in_with_a_password(client, patient):
    response = client.post(
        reverse("portal:login"), {"username": patient.user.username, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("portal:today")


def test_it_locks_sign_in_after_five_wrong_passwords(client, patient):
    url = reverse("portal:login")
    for _ in range(5):
        client.post(url, {"username": patient.user.username, "password": "wrong"})

    response = client.post(url, {"username": patient.user.username, "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content


def test_it_locks_only_the_guessing_address_not_the_patient(client, patient):
    url = reverse("portal:login")
    for _ in range(5):
        client.post(
            url, {"username": patient.user.username, "password": "x"}, REMOTE_ADDR="10.9.9.9"
        )

    response = client.post(url, {"username": patient.user.username, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302


def test_it_shows_staff_that_the_portal_is_for_patients(client):
    therapist = TherapistFactory()
    client.force_login(therapist.user)

    response = client.get(reverse("portal:today"))

    assert response.status_code == 403
    assert b"This portal is for patients" in response.content


def test_it_sends_a_new_patient_to_the_warning_signs_first(client):
    patient = PatientFactory(onboarded_at=None)
    client.force_login(patient.user)

    response = client.get(reverse("portal:today"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("portal:red_flags")
    assert len(re.findall(r'type="radio"', response.content.decode())) == 2 * len(QUESTION_KEYS)


def test_it_finishes_the_first_time_screen_after_the_program_page(client):
    patient = PatientFactory(onboarded_at=None)
    RedFlagScreen.objects.create(patient=patient, answers={}, positive=False, emergency=False)
    client.force_login(patient.user)

    response = client.post(reverse("portal:welcome_program"))

    patient.refresh_from_db()
    assert response.url == reverse("portal:today")
    assert patient.onboarded_at is not None


def test_it_shows_emergency_advice_and_opens_an_alert_on_a_red_flag(client):
    patient = PatientFactory(onboarded_at=None)
    client.force_login(patient.user)
    answers = dict.fromkeys(QUESTION_KEYS, "no") | {"bladder_bowel": "yes"}

    response = client.post(reverse("portal:red_flags"), answers, follow=True)

    assert EMERGENCY_ADVICE in response.content.decode()
    assert b'class="emergency" role="alert"' in response.content
    assert Alert.objects.get(patient=patient).kind == Alert.Kind.RED_FLAG


def test_it_shows_each_unanswered_warning_sign_next_to_its_question(client):
    patient = PatientFactory(onboarded_at=None)
    client.force_login(patient.user)

    response = client.post(reverse("portal:red_flags"), {"cancer_history": "no"})

    html = response.content.decode()
    assert response.status_code == 422
    assert html.count('class="error" id="id_') == len(QUESTION_KEYS) - 1
    assert RedFlagScreen.objects.count() == 0


def test_it_shows_todays_target_and_progress(portal, patient):
    WalkLogFactory(patient=patient, duration_minutes=12)

    response = portal.get(reverse("portal:today"))

    html = response.content.decode()
    assert "2 walks of 12 minutes" in html
    assert "<strong>1 of 2</strong> walks done · 12 minutes" in html


def test_it_prefills_the_walk_form_with_the_target(portal):
    response = portal.get(reverse("portal:walk_new") + "?kind=indoor_marching")

    html = response.content.decode()
    assert 'name="duration_minutes" value="12"' in html
    assert re.search(r'value="indoor_marching"[^>]*checked', html)
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', html)


def test_it_logs_a_walk(portal, patient):
    response = portal.post(reverse("portal:walk_new"), walk_data())

    walk = WalkLog.objects.get(patient=patient)
    assert response.url == reverse("portal:today")
    assert (walk.duration_minutes, walk.pain_before, walk.pain_after) == (12, 3, 2)


def test_it_logs_a_walk_from_yesterday(portal, patient):
    portal.post(reverse("portal:walk_new"), walk_data(walked_on="yesterday", start_time="18:00"))

    walk = WalkLog.objects.get(patient=patient)
    assert walk.local_date == NOW.date() - timedelta(days=1)


def test_it_shows_walk_errors_next_to_fields_and_keeps_the_answers(portal, patient):
    data = walk_data(duration_minutes="0", pain_before="", talk_test="easy")

    response = portal.post(reverse("portal:walk_new"), data)

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_duration_minutes-error"' in html
    assert 'id="id_pain_before-error"' in html
    assert 'aria-describedby="id_duration_minutes-error"' in html
    assert re.search(r'value="easy"[^>]*checked', html)
    assert f'value="{data["idempotency_key"]}"' in html
    assert not WalkLog.objects.filter(patient=patient).exists()


def test_it_shows_a_service_error_next_to_the_start_time(portal, patient):
    response = portal.post(reverse("portal:walk_new"), walk_data(start_time="14:00"))

    assert response.status_code == 422
    assert b'id="id_start_time-error"' in response.content
    assert b"cannot start in the future" in response.content


def test_it_logs_a_resubmitted_walk_once(portal, patient):
    data = walk_data()

    portal.post(reverse("portal:walk_new"), data)
    response = portal.post(reverse("portal:walk_new"), data)

    assert response.status_code == 302
    assert WalkLog.objects.filter(patient=patient).count() == 1
    assert IdempotencyRecord.objects.get().scope == "walks.create"


def test_it_refuses_a_reused_key_with_different_answers(portal, patient):
    data = walk_data()
    portal.post(reverse("portal:walk_new"), data)

    response = portal.post(reverse("portal:walk_new"), {**data, "duration_minutes": "20"})

    assert response.status_code == 422
    assert b"already saved once" in response.content
    assert f'value="{data["idempotency_key"]}"'.encode() not in response.content
    assert WalkLog.objects.filter(patient=patient).count() == 1


def test_it_records_a_pain_check_in(portal, patient):
    data = {"idempotency_key": str(uuid.uuid4()), "score": "4"}

    response = portal.post(reverse("portal:pain_new"), data)

    assert response.url == reverse("portal:today")
    assert PainCheckIn.objects.get(patient=patient).score == 4


def test_it_shows_the_plan_after_a_flare_up(portal, patient):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "score": "8",
        "flare_up": "on",
        "triggers": ["poor_sleep", "stress"],
    }

    response = portal.post(reverse("portal:pain_new"), data, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("portal:flare_up")
    assert "Pace yourself" in html
    assert "When to call the clinic" in html
    assert patient.clinic.name in html
    assert PainCheckIn.objects.get(patient=patient).triggers == ["poor_sleep", "stress"]


def test_it_records_a_resubmitted_pain_check_in_once(portal, patient):
    data = {"idempotency_key": str(uuid.uuid4()), "score": "5"}

    portal.post(reverse("portal:pain_new"), data)
    portal.post(reverse("portal:pain_new"), data)

    assert IdempotencyRecord.objects.filter(scope="pain.create").count() == 1
    assert PainCheckIn.objects.filter(patient=patient).count() == 1


def test_it_shows_a_missing_pain_score_next_to_the_field(portal):
    response = portal.post(
        reverse("portal:pain_new"), {"idempotency_key": "k", "note": "after gardening"}
    )

    assert response.status_code == 422
    assert b'id="id_score-error"' in response.content
    assert b"after gardening</textarea>" in response.content


def test_it_shows_weekly_progress_and_program_changes(portal, patient):
    WalkLogFactory(patient=patient, duration_minutes=15)
    PainCheckInFactory(patient=patient, score=6, date=NOW.date())

    response = portal.get(reverse("portal:progress"))

    html = response.content.decode()
    assert "chart.umd.min.js" in html
    assert response.context["chart_data"]["minutes"][-1] == 15
    assert response.context["chart_data"]["pain"][-1] == 4.5
    assert "Prescribed, 2 \N{MULTIPLICATION SIGN} 12 min" in html


def test_it_shows_only_the_signed_in_patients_data(portal, patient):
    other = PatientFactory(onboarded_at=timezone.now())
    WalkingProgramFactory(patient=other, sessions_per_day=3, minutes_per_session=25)
    WalkLogFactory(patient=other, duration_minutes=25)
    PainCheckInFactory(patient=other, score=9, date=NOW.date())

    today = portal.get(reverse("portal:today")).content.decode()
    progress = portal.get(reverse("portal:progress"))

    assert "25 min" not in today
    assert "3 walks of 25 minutes" not in today
    assert "9 out of 10" not in today
    assert sum(w.minutes for w in progress.context["weeks"]) == 0


def test_it_marks_a_lesson_complete(portal, patient):
    assignment = LessonAssignmentFactory(patient=patient)

    response = portal.post(reverse("portal:lesson_done", args=[assignment.pk]))

    assignment.refresh_from_db()
    assert response.url == reverse("portal:lessons")
    assert assignment.completed_at is not None


def test_it_hides_another_patients_lesson(portal):
    assignment = LessonAssignmentFactory()

    response = portal.post(reverse("portal:lesson_done", args=[assignment.pk]))

    assignment.refresh_from_db()
    assert response.status_code == 404
    assert assignment.completed_at is None


def test_it_shows_walk_times_in_the_patients_time_zone(client):
    patient = PatientFactory(onboarded_at=NOW, timezone="America/New_York")
    WalkLogFactory(patient=patient, started_at=NOW - timedelta(hours=1), duration_minutes=10)
    client.force_login(patient.user)

    response = client.get(reverse("portal:today"))

    assert "06:00 · 10 min" in response.content.decode()


def test_it_reads_today_in_a_fixed_number_of_queries(portal, patient, django_assert_num_queries):
    WalkLogFactory.create_batch(3, patient=patient)
    PainCheckInFactory(patient=patient, date=NOW.date())

    # Expect 12 queries (10 on PostgreSQL):
    # * savepoint (ATOMIC_REQUESTS)
    # * session, user, patient (the portal gate)
    # * current program, its target changes, today's walk totals (patient_today_summary;
    #   one statement on PostgreSQL)
    # * current program (for its status), today's check-in, today's walks
    # * questionnaires due (the link to answer them)
    # * release savepoint
    with django_assert_num_queries(9 + TODAY_SUMMARY_QUERIES):
        response = portal.get(reverse("portal:today"))

    assert response.status_code == 200


def test_it_lists_lessons_in_a_fixed_number_of_queries(portal, patient, django_assert_num_queries):
    LessonAssignmentFactory.create_batch(3, patient=patient)

    # Expect 6 queries:
    # * savepoint (ATOMIC_REQUESTS)
    # * session, user, patient (the portal gate)
    # * assignments with their lessons
    # * release savepoint
    with django_assert_num_queries(6):
        response = portal.get(reverse("portal:lessons"))

    assert response.content.decode().count("Mark as complete") == 3


def test_it_shows_imported_steps_next_to_the_walks(portal, patient):
    from programs.models import DailySteps

    DailySteps.objects.create(patient=patient, date=NOW.date(), steps=6400, source="fitbit")
    DailySteps.objects.create(patient=patient, date=NOW.date(), steps=5100, source="csv")

    response = portal.get(reverse("portal:progress"))

    assert response.context["chart_data"]["steps"][-1] == 6400
    assert "<td>6400</td>" in response.content.decode()
