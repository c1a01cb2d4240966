"""The questionnaire API: patients answer, therapists read and schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from clinic.timezones import local_date
from patients.models import QuestionnaireAssignment, QuestionnaireResponse, QuestionnaireText
from patients.services import questionnaire_response_record, questionnaire_schedule
from tests.api.conftest import client_for
from tests.factories import PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def odi_all(value):
    return {f"section_{n}": value for n in range(1, 11)}


@pytest.fixture
def patient():
    return PatientFactory()


def today(patient):
    return local_date(timezone.now(), patient.timezone)


def test_my_questionnaires_lists_due_ones_with_item_definitions(patient):
    questionnaire_schedule(patient=patient, measure="odi", due_on=today(patient), reason="baseline")
    questionnaire_schedule(
        patient=patient,
        measure="odi",
        due_on=today(patient) + timedelta(days=28),
        reason="interval",
    )

    body = client_for(patient.user).get("/api/v1/me/questionnaires/").json()

    assert [(d["measure"], d["reason"]) for d in body["due"]] == [("odi", "baseline")]
    odi = next(m for m in body["measures"] if m["key"] == "odi")
    assert [i["key"] for i in odi["items"]][:2] == ["section_1", "section_2"]
    assert odi["items"][0]["text"] == "ODI section 1"


def test_my_questionnaires_show_the_clinics_loaded_text(patient):
    QuestionnaireText.objects.create(
        clinic=patient.clinic, measure="odi", item_key="section_1", text="Pain intensity"
    )
    QuestionnaireText.objects.create(
        clinic=TherapistFactory().clinic, measure="odi", item_key="section_2", text="Elsewhere"
    )

    body = client_for(patient.user).get("/api/v1/me/questionnaires/").json()

    odi = next(m for m in body["measures"] if m["key"] == "odi")
    assert [i["text"] for i in odi["items"][:2]] == ["Pain intensity", "ODI section 2"]


def test_answering_returns_score_band_and_change_from_baseline(patient):
    client = client_for(patient.user)
    questionnaire_response_record(
        patient=patient, measure="odi", answers=odi_all(3), now=timezone.now() - timedelta(days=28)
    )

    r = client.post("/api/v1/me/questionnaires/odi/", {"answers": odi_all(2)}, format="json")

    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["score"], body["band"], body["baseline_score"]) == (40.0, "moderate", 60.0)
    assert (body["change"], body["improved"], body["crossed_mcid"]) == (-20.0, True, True)


def test_answering_names_each_bad_or_missing_item(patient):
    answers = odi_all(2) | {"section_1": 7, "section_11": 1}
    del answers["section_2"], answers["section_3"], answers["section_4"]

    r = client_for(patient.user).post(
        "/api/v1/me/questionnaires/odi/", {"answers": answers}, format="json"
    )

    assert r.status_code == 400
    assert set(r.json()) == {"section_1", "section_11"}
    assert not QuestionnaireResponse.objects.exists()


def test_answering_with_too_few_odi_sections_names_the_missing_ones(patient):
    answers = {f"section_{n}": 1 for n in range(1, 8)}

    r = client_for(patient.user).post(
        "/api/v1/me/questionnaires/odi/", {"answers": answers}, format="json"
    )

    assert r.status_code == 400
    assert set(r.json()) == {"section_8", "section_9", "section_10"}


def test_answering_an_unknown_measure_is_404(patient):
    r = client_for(patient.user).post(
        "/api/v1/me/questionnaires/sf36/", {"answers": {}}, format="json"
    )

    assert r.status_code == 404


def test_answering_start_back_stratifies_the_patient(patient):
    answers = {f"item_{n}": n >= 5 for n in range(1, 9)} | {"item_9": 0}

    r = client_for(patient.user).post(
        "/api/v1/me/questionnaires/start_back/", {"answers": answers}, format="json"
    )

    patient.refresh_from_db()
    assert (r.json()["band"], r.json()["subscale"]) == ("high", 4)
    assert (patient.risk_group, patient.coaching_every_days) == ("high", 7)


def test_a_therapist_sees_responses_with_mcid(patient):
    questionnaire_response_record(
        patient=patient,
        measure="nprs",
        answers={"pain": 7},
        now=timezone.now() - timedelta(days=28),
    )
    questionnaire_response_record(patient=patient, measure="nprs", answers={"pain": 6})

    body = (
        client_for(patient.therapist.user)
        .get(f"/api/v1/patients/{patient.id}/questionnaires/")
        .json()
    )

    assert [(r["score"], r["change"], r["crossed_mcid"]) for r in body] == [
        (6.0, -1.0, False),
        (7.0, 0.0, False),
    ]
    assert body[0]["answers"] == {"pain": 6}


def test_a_therapist_schedules_the_defaults(patient):
    r = client_for(patient.therapist.user).post(
        f"/api/v1/patients/{patient.id}/questionnaires/schedule/",
        {"defaults": True, "start": "2026-01-05"},
        format="json",
    )

    assert r.status_code == 201
    assert r.json()["created"] == QuestionnaireAssignment.objects.filter(patient=patient).count()
    assert r.json()["assignments"][0]["due_on"] == "2026-01-05"


def test_a_therapist_schedules_one_measure(patient):
    r = client_for(patient.therapist.user).post(
        f"/api/v1/patients/{patient.id}/questionnaires/schedule/",
        {"measure": "rmdq", "due_on": "2026-02-01", "reason": "discharge"},
        format="json",
    )

    assert r.status_code == 201
    assert r.json()["assignments"] == [
        {
            "id": r.json()["assignments"][0]["id"],
            "measure": "rmdq",
            "due_on": "2026-02-01",
            "reason": "discharge",
            "response_id": None,
        }
    ]


def test_scheduling_without_a_measure_names_the_fields(patient):
    r = client_for(patient.therapist.user).post(
        f"/api/v1/patients/{patient.id}/questionnaires/schedule/", {}, format="json"
    )

    assert r.status_code == 400
    assert set(r.json()) == {"measure", "due_on"}


def fresh_client(user):
    return client_for(get_user_model().objects.get(pk=user.pk))


def make_responses(patient, n):
    start = timezone.now() - timedelta(days=n)
    for i in range(n):
        questionnaire_response_record(
            patient=patient, measure="nprs", answers={"pain": i % 11}, now=start + timedelta(days=i)
        )


@pytest.mark.parametrize("rows", [1, 50])
def test_a_patients_questionnaires_query_count(patient, rows, django_assert_num_queries):
    make_responses(patient, rows)
    client = fresh_client(patient.therapist.user)

    # 1. savepoint  2. therapist record  3. the patient  4. the responses  5. release
    with django_assert_num_queries(5):
        r = client.get(f"/api/v1/patients/{patient.id}/questionnaires/")

    assert len(r.json()) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_my_questionnaires_query_count(patient, rows, django_assert_num_queries):
    make_responses(patient, rows)
    client = fresh_client(patient.user)

    # 1. savepoint  2. patient record  3. due assignments  4. responses
    # 5. the clinic's loaded item text  6. release
    with django_assert_num_queries(6):
        r = client.get("/api/v1/me/questionnaires/")

    assert len(r.json()["completed"]) == rows
