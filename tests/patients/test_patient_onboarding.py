from __future__ import annotations

from datetime import UTC, datetime

import pytest

from patients.services import patient_onboard_complete
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
FIRST = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_patient_onboard_complete_records_when():
    patient = PatientFactory(onboarded_at=None)

    patient_onboard_complete(patient=patient, now=FIRST)

    patient.refresh_from_db()
    assert patient.onboarded_at == FIRST


def test_patient_onboard_complete_keeps_the_first_time():
    patient = PatientFactory(onboarded_at=FIRST)

    patient_onboard_complete(patient=patient, now=datetime(2026, 11, 21, tzinfo=UTC))

    patient.refresh_from_db()
    assert patient.onboarded_at == FIRST
