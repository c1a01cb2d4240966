from __future__ import annotations

import pytest

from tests.api.conftest import client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_an_id_too_large_for_the_database_is_a_404_not_a_500():
    patient = PatientFactory()

    r = client_for(patient.user).post(f"/api/v1/me/lessons/{2**100}/complete/")

    assert r.status_code == 404
    assert r.json() == {"detail": "Not found."}


def test_an_unknown_id_reads_not_found_without_naming_the_model():
    patient = PatientFactory()

    r = client_for(patient.user).post("/api/v1/me/lessons/987654/complete/")

    assert r.status_code == 404
    assert r.json() == {"detail": "Not found."}
