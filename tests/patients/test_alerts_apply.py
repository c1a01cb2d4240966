from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.models import Alert
from patients.services import AlertChange, alerts_apply, alerts_unresolved
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


def test_alerts_apply_refreshes_and_closes_many_alerts_in_constant_queries(
    django_assert_num_queries,
):
    refreshed = [AlertFactory(kind=KIND, message="old") for _ in range(3)]
    closed = [AlertFactory(kind=KIND) for _ in range(2)]
    changes = [AlertChange(a.patient_id, KIND, True, f"new {a.id}") for a in refreshed]
    changes += [AlertChange(a.patient_id, KIND, False, "Walking again.") for a in closed]

    with django_assert_num_queries(3):  # read, refresh, close
        alerts_apply(changes=changes)

    assert {a.id: a.message for a in Alert.objects.filter(status=Alert.Status.OPEN)} == {
        a.id: f"new {a.id}" for a in refreshed
    }
    assert set(Alert.objects.filter(status=Alert.Status.RESOLVED).values_list("id", flat=True)) == {
        a.id for a in closed
    }


def test_alerts_apply_refreshes_a_changed_severity_and_the_time_of_the_change():
    alert = AlertFactory(kind=KIND, message="same", severity=Alert.Severity.WARNING)
    now = timezone.now() + timedelta(hours=1)

    alerts_apply(
        changes=[AlertChange(alert.patient_id, KIND, True, "same", Alert.Severity.URGENT)],
        now=now,
    )

    alert.refresh_from_db()
    assert (alert.message, alert.severity, alert.updated_at) == (
        "same",
        Alert.Severity.URGENT,
        now,
    )


def test_alerts_apply_cuts_a_long_closing_reason_to_the_column():
    alert = AlertFactory(kind=KIND)

    alerts_apply(changes=[AlertChange(alert.patient_id, KIND, False, "x" * 250)])

    assert Alert.objects.get(id=alert.id).resolution == "x" * 200


def test_alerts_unresolved_reads_open_and_acknowledged_alerts_of_the_kinds_asked():
    open_alert = AlertFactory(kind=KIND)
    acknowledged = AlertFactory(kind=KIND, status=Alert.Status.ACKNOWLEDGED)
    AlertFactory(patient=open_alert.patient, kind=Alert.Kind.FLARE_UP)
    AlertFactory(kind=KIND, status=Alert.Status.RESOLVED)
    AlertFactory(kind=KIND)  # another patient's

    found = alerts_unresolved(
        patient_ids=[open_alert.patient_id, acknowledged.patient_id], kinds=[KIND]
    )

    assert found == {
        (open_alert.patient_id, KIND): (open_alert.id, open_alert.message, open_alert.severity),
        (acknowledged.patient_id, KIND): (
            acknowledged.id,
            acknowledged.message,
            acknowledged.severity,
        ),
    }


def test_alerts_apply_uses_the_alerts_read_by_its_caller_without_reading_them_again(
    django_assert_num_queries,
):
    alert = AlertFactory(kind=KIND)
    existing = alerts_unresolved(patient_ids=[alert.patient_id], kinds=[KIND])

    with django_assert_num_queries(1):  # the close alone
        alerts_apply(
            changes=[AlertChange(alert.patient_id, KIND, False, "Walking again.")],
            existing=existing,
        )

    alert.refresh_from_db()
    assert (alert.status, alert.resolution) == (Alert.Status.RESOLVED, "Walking again.")


def test_alerts_unresolved_gives_the_open_alert_where_an_acknowledged_one_stands_beside():
    acknowledged = AlertFactory(kind=KIND, status=Alert.Status.ACKNOWLEDGED, message="seen")
    open_alert = AlertFactory(patient=acknowledged.patient, kind=KIND, message="new")

    found = alerts_unresolved(patient_ids=[open_alert.patient_id], kinds=[KIND])

    assert found == {(open_alert.patient_id, KIND): (open_alert.id, "new", open_alert.severity)}
