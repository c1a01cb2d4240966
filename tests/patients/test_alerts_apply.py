from __future__ import annotations

import pytest

from patients.models import Alert
from patients.services import AlertChange, alerts_apply
from tests.factories import AlertFactory, PatientFactory

pytestmark = pytest.mark.django_db

KIND = Alert.Kind.MISSED_SESSIONS


def test_alerts_apply_opens_one_alert_per_patient_and_kind():
    patient = PatientFactory()

    opened = alerts_apply(changes=[AlertChange(patient.id, KIND, True, "No walks.")])

    assert opened == 1
    alert = Alert.objects.get()
    assert (alert.patient, alert.kind, alert.status, alert.message) == (
        patient,
        KIND,
        Alert.Status.OPEN,
        "No walks.",
    )


def test_alerts_apply_refreshes_the_open_alert_instead_of_adding_one():
    alert = AlertFactory(kind=KIND, message="old")

    opened = alerts_apply(changes=[AlertChange(alert.patient_id, KIND, True, "new")])

    assert opened == 0
    assert list(Alert.objects.values_list("id", "message")) == [(alert.id, "new")]


def test_alerts_apply_keeps_an_acknowledged_alert_instead_of_reopening():
    alert = AlertFactory(kind=KIND, status=Alert.Status.ACKNOWLEDGED)

    opened = alerts_apply(changes=[AlertChange(alert.patient_id, KIND, True, "still")])

    assert opened == 0
    alert.refresh_from_db()
    assert (alert.status, alert.message) == (Alert.Status.ACKNOWLEDGED, "still")


def test_alerts_apply_closes_with_the_reason_recorded():
    first, second = AlertFactory(kind=KIND), AlertFactory(kind=KIND)

    alerts_apply(
        changes=[
            AlertChange(first.patient_id, KIND, False, "Walking again."),
            AlertChange(second.patient_id, KIND, False, "Back on track."),
        ]
    )

    resolved = dict(Alert.objects.values_list("id", "resolution"))
    assert resolved == {first.id: "Walking again.", second.id: "Back on track."}
    assert not Alert.objects.filter(status=Alert.Status.OPEN).exists()


def test_alerts_apply_leaves_other_kinds_and_resolved_alerts_alone():
    other = AlertFactory(kind=Alert.Kind.PAIN_RISING)
    old = AlertFactory(patient=other.patient, kind=KIND, status=Alert.Status.RESOLVED)

    alerts_apply(changes=[AlertChange(other.patient_id, KIND, False, "fine")])

    assert Alert.objects.get(id=other.id).status == Alert.Status.OPEN
    assert Alert.objects.get(id=old.id).resolution == ""
