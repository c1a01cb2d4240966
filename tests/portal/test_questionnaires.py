"""The portal's questionnaire pages: due list, forms, errors next to the item."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import QuestionnaireResponse, QuestionnaireText
from patients.services import (
    patient_today,
    questionnaire_response_record,
    questionnaire_schedule,
)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return PatientFactory(onboarded_at=timezone.now())


@pytest.fixture
def portal(client, patient):
    client.force_login(patient.user)
    return client


def test_today_links_to_a_due_questionnaire(portal, patient):
    questionnaire_schedule(
        patient=patient, measure="odi", due_on=patient_today(patient=patient), reason="baseline"
    )

    page = portal.get(reverse("portal:today")).content.decode()

    assert 'data-testid="questionnaires-due"' in page
    assert reverse("portal:questionnaires") in page


def test_today_has_no_link_when_nothing_is_due(portal):
    page = portal.get(reverse("portal:today")).content.decode()

    assert 'data-testid="questionnaires-due"' not in page


def test_the_list_shows_due_questionnaires(portal, patient):
    questionnaire_schedule(
        patient=patient, measure="rmdq", due_on=patient_today(patient=patient), reason="baseline"
    )

    page = portal.get(reverse("portal:questionnaires")).content.decode()

    assert reverse("portal:questionnaire_answer", args=["rmdq"]) in page


def test_answering_nprs_saves_and_returns_to_the_list(portal, patient):
    response = portal.post(reverse("portal:questionnaire_answer", args=["nprs"]), {"pain": "4"})

    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get(patient=patient)
    assert (saved.measure, saved.score, saved.band) == ("nprs", 4.0, "moderate")


def test_a_missing_rmdq_item_shows_its_error_next_to_it(portal, patient):
    data = {f"item_{n}": "no" for n in range(1, 25)}
    del data["item_7"]

    response = portal.post(reverse("portal:questionnaire_answer", args=["rmdq"]), data)

    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["item_7"]
    assert 'id="id_item_7-error"' in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_psfs_activities_are_named_and_rated(portal, patient):
    data = {
        "activity_1_name": "Climbing stairs",
        "activity_1": "3",
        "activity_2_name": "Lifting shopping",
        "activity_2": "5",
        "activity_3_name": "Gardening",
        "activity_3": "7",
    }

    portal.post(reverse("portal:questionnaire_answer", args=["psfs"]), data)

    saved = QuestionnaireResponse.objects.get(patient=patient)
    assert saved.score == 5.0
    assert saved.answers["activity_1"] == {"activity": "Climbing stairs", "score": 3}


def test_a_rated_psfs_activity_without_a_name_is_flagged(portal):
    data = {"activity_1": "3", "activity_2_name": "Walking", "activity_2": "5"}
    data |= {"activity_3_name": "Gardening", "activity_3": "7"}

    response = portal.post(reverse("portal:questionnaire_answer", args=["psfs"]), data)

    assert response.status_code == 422
    assert response.context["form"].errors["activity_1"] == ["Name the activity."]


def test_the_form_uses_the_clinics_loaded_text(portal, patient):
    QuestionnaireText.objects.create(
        clinic=patient.clinic, measure="odi", item_key="section_1", text="Licensed wording 1"
    )

    page = portal.get(reverse("portal:questionnaire_answer", args=["odi"])).content.decode()

    assert "Licensed wording 1" in page
    assert "ODI section 2" in page


def test_an_unknown_questionnaire_is_404(portal):
    assert portal.get(reverse("portal:questionnaire_answer", args=["sf36"])).status_code == 404


def test_another_patients_answers_are_not_listed(portal):
    other = PatientFactory(onboarded_at=timezone.now())
    questionnaire_response_record(patient=other, measure="nprs", answers={"pain": 9})

    response = portal.get(reverse("portal:questionnaires"))

    assert response.context["completed"] == []
