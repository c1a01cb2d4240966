from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.test import RequestFactory

from patients.models import Patient
from programs.models import PainResponse
from programs.selectors import clinical_responses_between
from programs.watch_admin import PainResponseAdmin
from tests.factories import PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def response(patient, day, mean=3.0):
    return PainResponse.objects.create(
        patient=patient, day=day, mean_pain=mean, baseline_pain=patient.baseline_pain
    )


def test_clinical_responses_between_gives_each_patients_first_day_in_the_period():
    first, second, outside = PatientFactory(), PatientFactory(), PatientFactory()
    response(first, date(2026, 11, 3))
    response(first, date(2026, 11, 5))
    response(second, date(2026, 11, 9))
    response(outside, date(2026, 10, 31))

    result = clinical_responses_between(
        patients=Patient.objects.all(), start=date(2026, 11, 1), end=date(2026, 11, 30)
    )

    assert result == {first.id: date(2026, 11, 3), second.id: date(2026, 11, 9)}


def test_pain_response_improvement_percent_is_against_baseline():
    patient = PatientFactory(baseline_pain=8)

    assert response(patient, date(2026, 11, 3), mean=5.2).improvement_percent == 35


def test_pain_response_admin_shows_only_the_therapists_clinic():
    therapist = TherapistFactory()
    mine = response(PatientFactory(therapist=therapist), date(2026, 11, 3))
    response(PatientFactory(), date(2026, 11, 3))  # another clinic
    request = RequestFactory().get("/")
    request.user = therapist.user

    queryset = PainResponseAdmin(PainResponse, admin.site).get_queryset(request)

    assert list(queryset) == [mine]
