"""Who is asking: the API's thin layer over the access gateway (clinic.selectors)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clinic.models import Therapist
from clinic.selectors import patient_for_user, patients_visible_to, therapist_for_user
from patients.models import Patient


def requesting_patient(request) -> Patient:
    """The caller's own patient record; 404 for anyone who is not a patient."""
    patient = patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record for this user.")
    return patient


def requesting_therapist(request) -> Therapist:
    """The caller's therapist record; 404 for anyone who is not a therapist."""
    therapist = therapist_for_user(request.user)
    if therapist is None:
        raise Http404("Not found.")
    return therapist


def therapist_visible_patient(request, patient_id: int) -> Patient:
    """A patient of the calling therapist's clinic; 404 otherwise (never 403)."""
    requesting_therapist(request)
    return get_object_or_404(patients_visible_to(request.user), pk=patient_id)


class PatientLocalTimeMixin:
    """Datetimes in the patient's own responses carry the patient's time zone and offset."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        patient = patient_for_user(request.user)
        if patient is not None:
            timezone.activate(ZoneInfo(patient.timezone))

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)
