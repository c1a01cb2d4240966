from __future__ import annotations

import pytest
from django.core import mail

from patients.models import Alert
from programs.watch import alert_digests_send
from tests.factories import AlertFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def test_alert_digests_send_one_email_per_therapist_with_all_their_new_alerts():
    first, second = TherapistFactory(), TherapistFactory()
    for kind in (Alert.Kind.MISSED_SESSIONS, Alert.Kind.PAIN_RISING):
        AlertFactory(patient=PatientFactory(therapist=first), kind=kind)
    AlertFactory(patient=PatientFactory(therapist=second))

    sent = alert_digests_send()

    assert sent == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert by_recipient[first.user.email].subject == "WalkRx: 2 new alerts for your patients"
    assert "Pain rising" in by_recipient[first.user.email].body
    assert by_recipient[second.user.email].subject == "WalkRx: 1 new alert for your patients"


def test_alert_digests_send_each_alert_once():
    AlertFactory()
    alert_digests_send()

    sent = alert_digests_send()

    assert sent == 0
    assert len(mail.outbox) == 1
    assert Alert.objects.get().notified_at is not None


def test_alert_digests_skip_resolved_alerts():
    AlertFactory(status=Alert.Status.RESOLVED)

    assert alert_digests_send() == 0


def test_alert_digests_put_urgent_alerts_first():
    patient = PatientFactory()
    AlertFactory(patient=patient, kind=Alert.Kind.LOW_ADHERENCE, message="low")
    AlertFactory(
        patient=patient, kind=Alert.Kind.RED_FLAG, severity=Alert.Severity.URGENT, message="see GP"
    )

    alert_digests_send()

    body = mail.outbox[0].body
    assert body.index("see GP") < body.index("low")
    assert "(URGENT)" in body


def test_alert_digests_leave_alerts_unmarked_when_the_send_fails(monkeypatch):
    AlertFactory()

    def broken_send(self, fail_silently=False):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)

    with pytest.raises(OSError, match="SMTP down"):
        alert_digests_send()

    assert Alert.objects.get().notified_at is None
