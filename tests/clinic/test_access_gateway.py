from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from clinic.selectors import patients_visible_to
from tests.factories import PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_therapist_sees_their_whole_clinic_and_nobody_else():
    mine = PatientFactory()
    colleague = TherapistFactory(clinic=mine.clinic)
    colleagues_patient = PatientFactory(therapist=colleague)
    PatientFactory()  # another clinic

    visible = set(patients_visible_to(mine.therapist.user))

    assert visible == {mine, colleagues_patient}


def test_a_patient_sees_only_themself():
    patient = PatientFactory()
    PatientFactory(therapist=patient.therapist)

    assert list(patients_visible_to(patient.user)) == [patient]


def test_anonymous_and_unrelated_users_see_nobody():
    PatientFactory()

    assert patients_visible_to(AnonymousUser()).count() == 0
    assert patients_visible_to(UserFactory()).count() == 0


def test_a_superuser_sees_every_clinic():
    PatientFactory.create_batch(2)

    assert patients_visible_to(UserFactory(is_superuser=True)).count() == 2
