from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.models import IdempotencyRecord
from clinic.timezones import local_date
from patients.models import PainCheckIn
from programs.models import WalkLog
from tests.api.conftest import client_for
from tests.api.test_walks import walk_body
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
WALKS, PAIN = "/api/v1/me/walks/", "/api/v1/me/pain/"


def test_a_retried_walk_returns_the_first_response_and_creates_nothing():
    patient = PatientFactory()
    client, body = client_for(patient.user), walk_body()

    first = client.post(WALKS, body, HTTP_IDEMPOTENCY_KEY="walk-1")
    again = client.post(WALKS, body, HTTP_IDEMPOTENCY_KEY="walk-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert WalkLog.objects.count() == 1


def test_the_same_key_with_a_different_walk_is_422():
    patient = PatientFactory()
    client = client_for(patient.user)
    client.post(WALKS, walk_body(), HTTP_IDEMPOTENCY_KEY="walk-1")

    r = client.post(WALKS, walk_body(duration_minutes=45), HTTP_IDEMPOTENCY_KEY="walk-1")

    assert r.status_code == 422
    assert "detail" in r.json()
    assert WalkLog.objects.count() == 1


def test_different_keys_create_different_walks():
    patient = PatientFactory()
    client, body = client_for(patient.user), walk_body()

    client.post(WALKS, body, HTTP_IDEMPOTENCY_KEY="walk-1")
    client.post(WALKS, body, HTTP_IDEMPOTENCY_KEY="walk-2")

    assert WalkLog.objects.count() == 2


def test_without_a_key_each_post_creates_a_walk():
    patient = PatientFactory()
    client, body = client_for(patient.user), walk_body()

    client.post(WALKS, body)
    client.post(WALKS, body)

    assert WalkLog.objects.count() == 2


def test_a_rejected_request_does_not_use_up_its_key():
    patient = PatientFactory()
    client = client_for(patient.user)

    bad = client.post(WALKS, walk_body(duration_minutes=0), HTTP_IDEMPOTENCY_KEY="walk-1")
    good = client.post(WALKS, walk_body(), HTTP_IDEMPOTENCY_KEY="walk-1")

    assert (bad.status_code, good.status_code) == (400, 201)
    assert WalkLog.objects.count() == 1


def test_keys_are_per_user():
    client_a, client_b = (client_for(p.user) for p in PatientFactory.create_batch(2))
    body = walk_body()

    client_a.post(WALKS, body, HTTP_IDEMPOTENCY_KEY="same")
    r = client_b.post(WALKS, body, HTTP_IDEMPOTENCY_KEY="same")

    assert r.status_code == 201
    assert WalkLog.objects.count() == 2


def test_a_too_long_key_is_400():
    patient = PatientFactory()

    r = client_for(patient.user).post(WALKS, walk_body(), HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert r.status_code == 400
    assert list(r.json()) == ["Idempotency-Key"]


def test_the_walk_scope_is_shared_with_the_web_portal():
    patient = PatientFactory()

    client_for(patient.user).post(WALKS, walk_body(), HTTP_IDEMPOTENCY_KEY="walk-1")

    assert IdempotencyRecord.objects.get().scope == "walks.create"


def test_a_retried_check_in_returns_the_first_response_and_creates_nothing():
    patient = PatientFactory()
    client = client_for(patient.user)
    body = {"date": str(local_date(timezone.now(), patient.timezone)), "score": 5}

    first = client.post(PAIN, body, HTTP_IDEMPOTENCY_KEY="pain-1")
    again = client.post(PAIN, body, HTTP_IDEMPOTENCY_KEY="pain-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert PainCheckIn.objects.count() == 1
    assert IdempotencyRecord.objects.get().scope == "pain.create"


def test_the_same_key_with_a_different_check_in_is_422():
    patient = PatientFactory()
    client = client_for(patient.user)
    today = local_date(timezone.now(), patient.timezone)
    client.post(PAIN, {"date": str(today), "score": 5}, HTTP_IDEMPOTENCY_KEY="pain-1")

    r = client.post(
        PAIN,
        {"date": str(today - timedelta(days=1)), "score": 5},
        HTTP_IDEMPOTENCY_KEY="pain-1",
    )

    assert r.status_code == 422
    assert PainCheckIn.objects.count() == 1
