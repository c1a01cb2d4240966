from __future__ import annotations

import pytest
from django.urls import reverse

from patients.models import Alert
from tests.factories import AlertFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db
ALERTS = reverse("admin:patients_alert_changelist")


def _ack_url(alert: Alert) -> str:
    return reverse("admin:patients_patient_acknowledge_alert", args=[alert.patient_id, alert.pk])


@pytest.fixture
def therapist(client):
    therapist = TherapistFactory()
    client.force_login(therapist.user)
    return therapist


def test_the_bulk_action_acknowledges_open_alerts(client, therapist):
    patient = PatientFactory(therapist=therapist)
    alerts = [AlertFactory(patient=patient, kind=kind) for kind in ("pain_rising", "flare_up")]

    client.post(ALERTS, {"action": "acknowledge", "_selected_action": [a.pk for a in alerts]})

    for alert in alerts:
        alert.refresh_from_db()
        assert alert.status == Alert.Status.ACKNOWLEDGED
        assert alert.acknowledged_by == therapist.user
        assert alert.acknowledged_at is not None


def test_the_bulk_action_leaves_resolved_alerts_alone(client, therapist):
    alert = AlertFactory(patient=PatientFactory(therapist=therapist), status="resolved")

    client.post(ALERTS, {"action": "acknowledge", "_selected_action": [alert.pk]})

    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.acknowledged_by is None


def test_the_bulk_action_ignores_another_clinics_alerts(client, therapist):
    stranger = AlertFactory()

    client.post(ALERTS, {"action": "acknowledge", "_selected_action": [stranger.pk]})

    stranger.refresh_from_db()
    assert stranger.status == Alert.Status.OPEN


def test_the_alert_list_filters_by_kind_status_and_severity(client, therapist):
    patient = PatientFactory(therapist=therapist)
    wanted = AlertFactory(patient=patient, kind="red_flag", severity="urgent")
    AlertFactory(patient=patient, kind="pain_rising", severity="urgent")
    AlertFactory(patient=patient, kind="red_flag", status="resolved", severity="urgent")

    response = client.get(
        ALERTS, {"kind__exact": "red_flag", "status__exact": "open", "severity__exact": "urgent"}
    )

    assert [a.pk for a in response.context["cl"].result_list] == [wanted.pk]


def test_acknowledging_from_the_patient_page(client, therapist):
    alert = AlertFactory(patient=PatientFactory(therapist=therapist))

    response = client.post(_ack_url(alert))

    assert response.url == reverse("admin:patients_patient_change", args=[alert.patient_id])
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED
    assert alert.acknowledged_by == therapist.user


def test_acknowledging_needs_a_post(client, therapist):
    alert = AlertFactory(patient=PatientFactory(therapist=therapist))

    response = client.get(_ack_url(alert))

    assert response.status_code == 405
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_another_clinics_alert_is_not_found(client, therapist):
    stranger = AlertFactory()

    response = client.post(_ack_url(stranger))

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.status == Alert.Status.OPEN
