from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin

from patients.models import Patient
from tests.factories import PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("last_name", ["Walker", 'O\'Brien & "Co" <b>'])
def test_a_rows_action_checkbox_is_djangos_markup(last_name):
    patient = PatientFactory(user=UserFactory(first_name="Ann", last_name=last_name))
    patient_admin = admin.site._registry[Patient]

    ours = patient_admin.action_checkbox(patient)

    assert ours == ModelAdmin.action_checkbox(patient_admin, patient)
    assert 'class="action-select"' in ours


def test_the_patient_list_shows_a_checkbox_per_row(client):
    therapist = TherapistFactory()
    PatientFactory.create_batch(2, therapist=therapist)
    PatientFactory()  # another clinic's
    client.force_login(therapist.user)

    response = client.get("/admin/patients/patient/")

    assert response.status_code == 200
    assert response.content.decode().count('class="action-select"') == 2
