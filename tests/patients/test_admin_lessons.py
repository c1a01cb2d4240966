from __future__ import annotations

import pytest
from django.urls import reverse

from patients.models import LessonAssignment
from tests.factories import LessonFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:patients_lessonassignment_add")


@pytest.fixture
def therapist(client):
    therapist = TherapistFactory()
    client.force_login(therapist.user)
    return therapist


def test_a_therapist_assigns_a_lesson_to_their_patient(client, therapist):
    patient = PatientFactory(therapist=therapist)
    lesson = LessonFactory()

    response = client.post(ADD, {"patient": patient.pk, "lesson": lesson.pk})

    assignment = LessonAssignment.objects.get()
    assert response.url == reverse("admin:patients_lessonassignment_changelist")
    assert (assignment.patient, assignment.lesson) == (patient, lesson)


def test_a_lesson_cannot_be_assigned_to_another_clinics_patient(client, therapist):
    stranger = PatientFactory()

    response = client.post(ADD, {"patient": stranger.pk, "lesson": LessonFactory().pk})

    assert "patient" in response.context["adminform"].form.errors
    assert not LessonAssignment.objects.exists()


def test_assigning_the_same_lesson_twice_is_a_form_error(client, therapist):
    patient = PatientFactory(therapist=therapist)
    lesson = LessonFactory()
    client.post(ADD, {"patient": patient.pk, "lesson": lesson.pk})

    response = client.post(ADD, {"patient": patient.pk, "lesson": lesson.pk})

    assert response.status_code == 200
    assert LessonAssignment.objects.count() == 1
