from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.models import Alert
from tests.api.conftest import client_for
from tests.factories import AlertFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/alerts/"


def test_it_lists_the_clinics_alerts_newest_first():
    patient = PatientFactory()
    older = AlertFactory(patient=patient, opened_at=timezone.now() - timedelta(days=1))
    newer = AlertFactory(patient=patient, kind=Alert.Kind.PAIN_RISING)
    AlertFactory()  # another clinic

    r = client_for(patient.therapist.user).get(URL)

    assert r.status_code == 200
    assert [a["id"] for a in r.json()["results"]] == [newer.id, older.id]
    assert set(r.json()) == {"results", "next", "previous"}


def test_each_alert_has_the_contract_fields():
    alert = AlertFactory(kind=Alert.Kind.RED_FLAG, severity=Alert.Severity.URGENT)

    row = client_for(alert.patient.therapist.user).get(URL).json()["results"][0]

    assert {k: row[k] for k in ("id", "patient", "kind", "severity", "message", "status")} == {
        "id": alert.id,
        "patient": alert.patient_id,
        "kind": "red_flag",
        "severity": "urgent",
        "message": alert.message,
        "status": "open",
    }
    assert row["opened_at"].endswith(("Z", "+00:00"))


def test_it_filters_by_status_and_kind():
    patient = PatientFactory()
    open_pain = AlertFactory(patient=patient, kind=Alert.Kind.PAIN_RISING)
    AlertFactory(patient=patient, kind=Alert.Kind.FLARE_UP)
    AlertFactory(patient=patient, kind=Alert.Kind.MISSED_SESSIONS, status=Alert.Status.ACKNOWLEDGED)
    client = client_for(patient.therapist.user)

    by_kind = client.get(URL, {"status": "open", "kind": "pain_rising"}).json()["results"]
    acknowledged = client.get(URL, {"status": "acknowledged"}).json()["results"]

    assert [a["id"] for a in by_kind] == [open_pain.id]
    assert [a["kind"] for a in acknowledged] == ["missed_sessions"]


@pytest.mark.parametrize(("param", "value"), [("status", "asleep"), ("kind", "boredom")])
def test_an_unknown_filter_value_is_400(param, value):
    therapist = TherapistFactory()

    r = client_for(therapist.user).get(URL, {param: value})

    assert r.status_code == 400
    assert list(r.json()) == [param]


def test_acknowledging_records_who_and_when():
    alert = AlertFactory()
    user = alert.patient.therapist.user

    r = client_for(user).post(f"{URL}{alert.id}/acknowledge/")

    assert r.status_code == 200
    assert r.json()["status"] == "acknowledged"
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", user)


def test_acknowledging_another_clinics_alert_is_404():
    alert = AlertFactory()

    r = client_for(TherapistFactory().user).post(f"{URL}{alert.id}/acknowledge/")

    assert r.status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open"
