"""Strict input: unknown or read-only body fields are refused (400 naming them), never ignored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework import serializers

from clinic.api.serializers import StrictSerializer
from patients.models import PainCheckIn, Patient
from programs.models import WalkLog
from tests.api.conftest import client_for
from tests.factories import PatientFactory, WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db


def walk_body(**extra):
    return {
        "started_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "duration_minutes": 20,
        "kind": "outdoor",
        "talk_test": "brisk",
        "pain_before": 3,
        "pain_after": 2,
        **extra,
    }


def test_an_unknown_field_is_refused_by_name_and_nothing_is_stored():
    patient = WalkingProgramFactory().patient

    r = client_for(patient.user).post("/api/v1/me/walks/", walk_body(colour="red"))

    assert r.status_code == 400
    assert r.json() == {"colour": ["Unknown field."]}
    assert not WalkLog.objects.exists()


def test_read_only_fields_of_the_resource_are_refused_too():
    patient = WalkingProgramFactory().patient
    body = walk_body(id=999, created_at="2026-01-01T00:00:00Z", local_date="2026-01-01")

    r = client_for(patient.user).post("/api/v1/me/walks/", body)

    assert r.status_code == 400
    assert set(r.json()) == {"id", "created_at", "local_date"}
    assert not WalkLog.objects.exists()


def test_a_patch_with_an_unknown_field_changes_nothing():
    walk = WalkLogFactory(duration_minutes=20)

    r = client_for(walk.patient.user).patch(
        f"/api/v1/me/walks/{walk.id}/", {"duration_minutes": 30, "colour": "red"}
    )

    assert r.status_code == 400
    assert r.json() == {"colour": ["Unknown field."]}
    walk.refresh_from_db()
    assert walk.duration_minutes == 20


def test_unknown_fields_are_reported_with_the_other_bad_fields():
    patient = WalkingProgramFactory().patient

    r = client_for(patient.user).post(
        "/api/v1/me/pain/", {"date": "not a date", "score": 3, "mood": "ok"}
    )

    assert r.status_code == 400
    assert set(r.json()) == {"date", "mood"}
    assert not PainCheckIn.objects.exists()


def test_a_patient_cannot_be_given_a_clinic_or_user_by_a_therapist():
    patient = PatientFactory()

    r = client_for(patient.therapist.user).patch(
        f"/api/v1/patients/{patient.id}/", {"first_name": "Eve", "clinic": 1, "username": "x"}
    )

    assert r.status_code == 400
    assert r.json() == {"clinic": ["Unknown field."], "username": ["Unknown field."]}
    assert Patient.objects.get(id=patient.id).user.first_name != "Eve"


def test_a_multipart_upload_with_an_unknown_field_is_refused():
    patient = PatientFactory()
    upload = SimpleUploadedFile("steps.csv", b"date,steps\n")

    r = client_for(patient.user).post(
        "/api/v1/me/steps/import/",
        {"file": upload, "format": "csv", "source": "watch"},
        format="multipart",
    )

    assert r.status_code == 400
    assert r.json()["source"] == ["Unknown field."]


def test_a_form_encoded_body_is_refused_as_an_unsupported_media_type():
    patient = WalkingProgramFactory().patient

    r = client_for(patient.user).post("/api/v1/me/walks/", walk_body(), format="multipart")

    assert r.status_code == 415
    assert not WalkLog.objects.exists()


def test_login_refuses_an_unknown_field(api_client):
    r = api_client.post("/api/v1/auth/login/", {"username": "a", "password": "b", "remember": True})

    assert r.status_code == 400
    assert r.json() == {"remember": ["Unknown field."]}


def test_a_read_only_field_declared_on_the_serializer_is_named_read_only():
    class Example(StrictSerializer):
        id = serializers.IntegerField(read_only=True)
        name = serializers.CharField()

    s = Example(data={"id": 3, "name": "x"})

    assert not s.is_valid()
    assert s.errors == {"id": ["This field is read-only."]}


def test_a_body_that_is_not_an_object_keeps_its_usual_error():
    s = StrictSerializer(data=["colour"])

    assert not s.is_valid()
    assert "non_field_errors" in s.errors


@pytest.mark.parametrize(
    ("field", "value"),
    [("flare_up", 0), ("score", "3"), ("score", True), ("note", 5), ("triggers", "stress")],
)
def test_a_value_of_the_wrong_json_type_is_refused_by_name(field, value):
    patient = WalkingProgramFactory().patient
    body = {"date": str(timezone.localdate()), "score": 3, field: value}

    r = client_for(patient.user).post("/api/v1/me/pain/", body)

    assert r.status_code == 400
    assert list(r.json()) == [field]
    assert not PainCheckIn.objects.exists()


def test_a_bad_list_item_is_reported_in_the_documented_shape():
    patient = WalkingProgramFactory().patient
    body = {"date": str(timezone.localdate()), "score": 3, "triggers": ["stress", "juggling"]}

    r = client_for(patient.user).post("/api/v1/me/pain/", body)

    assert r.status_code == 400
    assert r.json() == {"triggers": ['1: "juggling" is not a valid choice.']}
