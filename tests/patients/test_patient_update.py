from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from patients.models import Patient
from patients.services import patient_update
from tests.factories import PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def test_patient_update_changes_status_and_therapist():
    patient = PatientFactory()
    colleague = TherapistFactory(clinic=patient.clinic)

    patient_update(patient=patient, status=Patient.Status.PAUSED, therapist=colleague)

    patient.refresh_from_db()
    assert (patient.status, patient.therapist) == (Patient.Status.PAUSED, colleague)


def test_patient_update_refuses_another_clinics_therapist():
    patient = PatientFactory()
    original = patient.therapist

    with pytest.raises(ValidationError) as exc:
        patient_update(patient=patient, therapist=TherapistFactory())

    assert "therapist" in exc.value.message_dict
    patient.refresh_from_db()
    assert patient.therapist == original


def test_patient_update_rejects_an_unknown_time_zone():
    patient = PatientFactory()

    with pytest.raises(ValidationError) as exc:
        patient_update(patient=patient, timezone="Mars/Olympus")

    assert "timezone" in exc.value.message_dict
    patient.refresh_from_db()
    assert patient.timezone == "Europe/London"


def test_patient_update_refuses_fields_it_does_not_own():
    with pytest.raises(TypeError):
        patient_update(patient=PatientFactory(), clinic=None)
