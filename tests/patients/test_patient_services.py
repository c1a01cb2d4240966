from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from patients.models import Alert, PainCheckIn, Patient
from patients.services import (
    alert_acknowledge,
    alert_open,
    alert_resolve,
    lesson_complete,
    pain_checkin_record,
    patient_create,
)
from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    PatientFactory,
    TherapistFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def create(therapist, **overrides):
    values = {
        "username": "pat",
        "first_name": "Pat",
        "last_name": "Lee",
        "email": "pat@example.org",
        "date_of_birth": date(1980, 1, 2),
        "baseline_pain": 6,
    }
    return patient_create(therapist=therapist, **{**values, **overrides})


def test_patient_create_defaults_the_time_zone_to_the_clinics():
    therapist = TherapistFactory(clinic__timezone="America/Chicago")

    patient = create(therapist)

    assert patient.timezone == "America/Chicago"
    assert patient.clinic == therapist.clinic
    assert patient.user.has_usable_password() is False


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"baseline_pain": 11}, "baseline_pain"),
        ({"timezone_name": "Mars/Olympus"}, "timezone"),
        ({"date_of_birth": date(2099, 1, 1)}, "date_of_birth"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_patient_create_rejects_bad_input_and_saves_nothing(overrides, field):
    therapist = TherapistFactory()

    with pytest.raises(ValidationError) as excinfo:
        create(therapist, **overrides)

    assert field in excinfo.value.message_dict
    assert Patient.objects.count() == 0


def test_pain_checkin_for_the_same_date_replaces_the_first():
    patient = PatientFactory(timezone="UTC")
    pain_checkin_record(patient=patient, day=date(2026, 11, 28), score=6, now=NOW)

    checkin, created = pain_checkin_record(
        patient=patient,
        day=date(2026, 11, 28),
        score=3,
        flare_up=True,
        triggers=["stress"],
        now=NOW,
    )

    assert created is False
    assert PainCheckIn.objects.get().score == 3
    assert checkin.triggers == ["stress"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"score": 11}, "score"),
        ({"day": date(2026, 11, 29)}, "date"),
        ({"triggers": ["moon"]}, "triggers"),
    ],
)
def test_pain_checkin_rejects_bad_input(overrides, field):
    patient = PatientFactory(timezone="UTC")
    values = {"day": date(2026, 11, 28), "score": 4}

    with pytest.raises(ValidationError) as excinfo:
        pain_checkin_record(patient=patient, now=NOW, **{**values, **overrides})

    assert field in excinfo.value.message_dict
    assert PainCheckIn.objects.count() == 0


def test_database_rejects_pain_above_ten():
    with pytest.raises(IntegrityError):
        PainCheckIn.objects.create(patient=PatientFactory(), date=date(2026, 1, 1), score=11)


def test_alert_open_twice_keeps_one_open_alert():
    patient = PatientFactory()
    alert_open(patient=patient, kind=Alert.Kind.LOW_ADHERENCE, message="40%")

    alert, created = alert_open(patient=patient, kind=Alert.Kind.LOW_ADHERENCE, message="30%")

    assert created is False
    assert Alert.objects.get().message == "30%"
    assert alert.status == Alert.Status.OPEN


def test_database_allows_one_open_alert_per_patient_and_kind():
    alert = AlertFactory()

    with pytest.raises(IntegrityError):
        AlertFactory(patient=alert.patient, kind=alert.kind)


def test_alert_opens_again_after_the_previous_one_was_acknowledged():
    alert = AlertFactory()
    alert_acknowledge(alert=alert, user=alert.patient.therapist.user)

    _, created = alert_open(patient=alert.patient, kind=alert.kind, message="again")

    assert created is True
    assert Alert.objects.count() == 2


def test_alert_resolve_closes_the_open_alert_with_its_reason():
    alert = AlertFactory()

    closed = alert_resolve(patient=alert.patient, kind=alert.kind, resolution="back on track")

    alert.refresh_from_db()
    assert closed == 1
    assert (alert.status, alert.resolution) == (Alert.Status.RESOLVED, "back on track")


def test_lesson_complete_keeps_the_first_completion_time():
    assignment = LessonAssignmentFactory()
    lesson_complete(assignment=assignment, now=NOW)

    lesson_complete(assignment=assignment, now=datetime(2026, 12, 1, tzinfo=UTC))

    assert assignment.completed_at == NOW
