from __future__ import annotations

import pytest
from django.test import RequestFactory

from clinic.audit import actor_role, audit_record, client_ip
from clinic.models import AuditEvent, AuditTrailImmutableError
from tests.factories import PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def request_with(remote: str = "10.0.0.9", forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/x/", **meta)


def test_it_refuses_to_change_a_saved_event():
    event = audit_record(action="view")
    event.action = "delete"

    with pytest.raises(AuditTrailImmutableError):
        event.save()

    assert AuditEvent.objects.get().action == "view"


def test_it_refuses_to_delete_an_event():
    event = audit_record(action="view")

    with pytest.raises(AuditTrailImmutableError):
        event.delete()

    assert AuditEvent.objects.count() == 1


def test_it_refuses_bulk_update_and_delete():
    audit_record(action="view")

    with pytest.raises(AuditTrailImmutableError):
        AuditEvent.objects.all().update(action="delete")
    with pytest.raises(AuditTrailImmutableError):
        AuditEvent.objects.filter(action="view").delete()

    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["view"]


def test_audit_record_without_request_or_actor_is_the_system():
    event = audit_record(action="export")

    assert (event.actor, event.actor_username, event.actor_role) == (None, "", "system")
    assert event.ip_address is None


def test_audit_record_copies_the_actor_patient_and_clinic():
    patient = PatientFactory()
    request = request_with()
    request.user = patient.therapist.user

    event = audit_record(request=request, action="view", patient=patient, obj=patient)

    event.refresh_from_db()
    assert event.actor_username == patient.therapist.user.username
    assert event.actor_role == "therapist"
    assert (event.patient_id, event.patient_ref, event.clinic_id) == (
        patient.pk,
        patient.pk,
        patient.clinic_id,
    )
    assert (event.object_type, event.object_id) == ("patient", str(patient.pk))
    assert (event.path, event.method, event.ip_address) == ("/x/", "GET", "10.0.0.9")


def test_it_keeps_the_patient_ref_when_the_patient_is_deleted():
    patient = PatientFactory()
    patient_id = patient.pk
    event = audit_record(action="view", patient=patient)

    patient.delete()

    event.refresh_from_db()
    assert (event.patient_id, event.patient_ref) == (None, patient_id)


def test_it_keeps_the_actor_username_when_the_user_is_deleted():
    therapist = TherapistFactory()
    request = request_with()
    request.user = therapist.user
    event = audit_record(request=request, action="list")
    username = therapist.user.username

    therapist.user.delete()

    event.refresh_from_db()
    assert (event.actor_id, event.actor_username) == (None, username)


def test_it_truncates_the_user_agent():
    request = RequestFactory().get("/", HTTP_USER_AGENT="x" * 1000)

    assert len(audit_record(request=request, action="view").user_agent) == 200


@pytest.mark.parametrize(
    ("user", "role"),
    [
        (lambda: UserFactory(is_superuser=True), "superuser"),
        (lambda: TherapistFactory().user, "therapist"),
        (lambda: TherapistFactory(is_clinic_admin=True).user, "clinic_admin"),
        (lambda: PatientFactory().user, "patient"),
        (lambda: None, "system"),
    ],
)
def test_actor_role(user, role):
    assert actor_role(user()) == role


def test_client_ip_ignores_forwarded_for_by_default(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_with("10.0.0.9", "203.0.113.5")) == "10.0.0.9"


def test_client_ip_takes_the_address_the_trusted_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    # The client forged the first hop; the proxy appended the real one.
    ip = client_ip(request_with("10.0.0.1", "1.2.3.4, 203.0.113.5"))

    assert ip == "203.0.113.5"


def test_client_ip_with_two_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    ip = client_ip(request_with("10.0.0.1", "1.2.3.4, 203.0.113.5, 10.0.0.2"))

    assert ip == "203.0.113.5"


def test_client_ip_with_garbage_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("10.0.0.1", "not-an-address")) is None
