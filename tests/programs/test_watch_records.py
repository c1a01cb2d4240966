from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from patients.models import Patient
from programs.models import PainResponse
from programs.selectors import clinical_responses_between
from programs.watch_admin import PainResponseAdmin
from tests.factories import PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def response(patient, first_day, last_day=None, mean=3.0):
    return PainResponse.objects.create(
        patient=patient,
        first_day=first_day,
        last_day=last_day,
        mean_pain=mean,
        baseline_pain=patient.baseline_pain,
    )


def test_clinical_responses_between_gives_each_patients_first_day_in_the_period():
    first, second, outside = PatientFactory(), PatientFactory(), PatientFactory()
    response(first, date(2026, 11, 3), date(2026, 11, 4))
    response(first, date(2026, 11, 8))
    response(second, date(2026, 11, 9), date(2026, 11, 12))
    response(outside, date(2026, 10, 20), date(2026, 10, 31))

    result = clinical_responses_between(
        patients=Patient.objects.all(), start=date(2026, 11, 1), end=date(2026, 11, 30)
    )

    assert result == {first.id: date(2026, 11, 3), second.id: date(2026, 11, 9)}


def test_clinical_responses_between_counts_a_period_begun_before_from_the_periods_start():
    earlier, holding = PatientFactory(), PatientFactory()
    response(earlier, date(2026, 10, 20), date(2026, 11, 2))
    response(holding, date(2026, 9, 1))

    result = clinical_responses_between(
        patients=Patient.objects.all(), start=date(2026, 11, 1), end=date(2026, 11, 30)
    )

    assert result == {earlier.id: date(2026, 11, 1), holding.id: date(2026, 11, 1)}


def test_clinical_responses_between_leaves_out_a_period_begun_after_it():
    later = PatientFactory()
    response(later, date(2026, 12, 1))

    result = clinical_responses_between(
        patients=Patient.objects.all(), start=date(2026, 11, 1), end=date(2026, 11, 30)
    )

    assert result == {}


def test_a_patient_has_one_open_pain_response_at_most():
    patient = PatientFactory()
    response(patient, date(2026, 11, 3))

    with pytest.raises(IntegrityError), transaction.atomic():
        response(patient, date(2026, 11, 9))


def test_a_pain_response_ends_on_or_after_its_first_day():
    with pytest.raises(IntegrityError), transaction.atomic():
        response(PatientFactory(), date(2026, 11, 3), date(2026, 11, 2))


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
