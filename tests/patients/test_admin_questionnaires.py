"""Outcome measures in the therapist's admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import QuestionnaireAssignment, QuestionnaireText
from patients.services import questionnaire_response_record
from tests.admin_forms import change_form_data
from tests.factories import PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def odi_all(value):
    return {f"section_{n}": value for n in range(1, 11)}


def test_the_patient_page_shows_scores_change_and_mcid(client):
    patient = PatientFactory()
    questionnaire_response_record(
        patient=patient, measure="odi", answers=odi_all(3), now=timezone.now() - timedelta(days=28)
    )
    questionnaire_response_record(patient=patient, measure="odi", answers=odi_all(2))
    client.force_login(patient.therapist.user)

    response = client.get(reverse("admin:patients_patient_change", args=[patient.pk]))

    rows = [
        (r.response.score, r.change.change, r.change.crossed_mcid)
        for r in response.context["questionnaire_responses"]
    ]
    assert rows == [(40.0, -20.0, True), (60.0, 0, False)]
    assert "Outcome measures" in response.content.decode()


def test_the_admin_action_schedules_default_outcome_measures(client):
    patient = PatientFactory()
    client.force_login(patient.therapist.user)

    response = client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": "schedule_default_outcome_measures", "_selected_action": [patient.pk]},
    )

    assert response.status_code == 302
    reasons = set(
        QuestionnaireAssignment.objects.filter(patient=patient).values_list("reason", flat=True)
    )
    assert reasons == {"baseline", "interval"}


def test_changing_coaching_in_the_admin_overrides_stratification(client):
    patient = PatientFactory()
    client.force_login(patient.therapist.user)
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    page = client.get(url)

    response = client.post(url, change_form_data(page, coaching_every_days=10))

    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.coaching_every_days, patient.stratification_overridden) == (10, True)


def test_responses_of_another_clinic_are_absent(client):
    patient = PatientFactory()
    questionnaire_response_record(patient=patient, measure="nprs", answers={"pain": 4})
    client.force_login(TherapistFactory().user)

    response = client.get(reverse("admin:patients_questionnaireresponse_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_a_therapist_sees_their_clinics_responses_read_only(client):
    patient = PatientFactory()
    record = questionnaire_response_record(patient=patient, measure="nprs", answers={"pain": 4})
    client.force_login(patient.therapist.user)

    listing = client.get(reverse("admin:patients_questionnaireresponse_changelist"))
    page = client.get(reverse("admin:patients_questionnaireresponse_change", args=[record.pk]))

    assert listing.context["cl"].result_count == 1
    assert page.status_code == 200
    assert not page.context["has_change_permission"]


def test_a_therapist_adds_licensed_text_for_their_clinic(client):
    therapist = TherapistFactory()
    client.force_login(therapist.user)

    response = client.post(
        reverse("admin:patients_questionnairetext_add"),
        {
            "clinic": therapist.clinic.pk,
            "measure": "rmdq",
            "item_key": "item_1",
            "text": "Licensed wording",
        },
    )

    assert response.status_code == 302
    assert QuestionnaireText.objects.get().text == "Licensed wording"


def test_the_text_form_names_an_unknown_item_key(client):
    therapist = TherapistFactory()
    client.force_login(therapist.user)

    response = client.post(
        reverse("admin:patients_questionnairetext_add"),
        {"clinic": therapist.clinic.pk, "measure": "rmdq", "item_key": "item_25", "text": "x"},
    )

    assert response.status_code == 200
    assert "item_key" in response.context["adminform"].form.errors
    assert not QuestionnaireText.objects.exists()
