from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import DailySteps
from tests.factories import PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent.parent / "programs" / "data"


def _url(patient) -> str:
    return reverse("admin:patients_patient_import_steps", args=[patient.pk])


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes())


def test_it_links_the_import_page_from_the_patient_page(client):
    patient = PatientFactory()
    client.force_login(patient.therapist.user)

    r = client.get(reverse("admin:patients_patient_change", args=[patient.pk]))

    assert _url(patient) in r.content.decode()


def test_it_imports_a_file_and_reports_the_result(client):
    patient = PatientFactory()
    client.force_login(patient.therapist.user)

    r = client.post(
        _url(patient), {"format": "fhir", "file": _file("fhir_steps_bundle.json")}, follow=True
    )

    assert r.redirect_chain[-1][0] == reverse("admin:patients_patient_change", args=[patient.pk])
    assert "Imported: 2 new days" in r.content.decode()
    assert DailySteps.objects.filter(patient=patient).count() == 2


def test_it_shows_the_error_of_a_malformed_file_and_saves_nothing(client):
    patient = PatientFactory()
    client.force_login(patient.therapist.user)

    r = client.post(_url(patient), {"format": "csv", "file": _file("steps_negative.csv")})

    assert r.status_code == 200
    assert "Line 3: steps cannot be negative (-7100)." in r.content.decode()
    assert not DailySteps.objects.filter(patient=patient).exists()


def test_another_clinics_therapist_gets_404(client):
    patient = PatientFactory()
    client.force_login(TherapistFactory().user)

    r = client.get(_url(patient))

    assert r.status_code == 404
