from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.api.tokens import api_token_hash
from clinic.models import ApiToken
from tests.factories import DEFAULT_PASSWORD, PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db
LOGIN, LOGOUT, LOGOUT_ALL, ME = (
    "/api/v1/auth/login/",
    "/api/v1/auth/logout/",
    "/api/v1/auth/logout-all/",
    "/api/v1/me/",
)
BAD = {"non_field_errors": ["Unable to log in with the given username and password."]}


def login(client, username, password=DEFAULT_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_it_returns_a_token_and_its_expiry(api_client):
    user = UserFactory()

    r = login(api_client, user.username)

    assert r.status_code == 200
    expires_at = parse_datetime(r.json()["expires_at"])
    assert abs(expires_at - (timezone.now() + timedelta(hours=12))) < timedelta(minutes=1)


def test_it_stores_only_the_hash_of_the_token(api_client):
    user = UserFactory()

    token = login(api_client, user.username).json()["token"]

    stored = ApiToken.objects.get(user=user)
    assert stored.key_hash == api_token_hash(token)
    assert token not in stored.key_hash


def test_it_uses_the_configured_token_lifetime(api_client, settings):
    settings.API_TOKEN_TTL = timedelta(hours=2)
    user = UserFactory()

    r = login(api_client, user.username)

    expires_at = parse_datetime(r.json()["expires_at"])
    assert abs(expires_at - (timezone.now() + timedelta(hours=2))) < timedelta(minutes=1)


def test_it_refuses_a_wrong_password_and_an_unknown_user_alike(api_client):
    user = UserFactory()

    wrong_password = login(api_client, user.username, "nope")
    unknown_user = login(api_client, "nobody-here")

    assert (wrong_password.status_code, unknown_user.status_code) == (400, 400)
    assert wrong_password.json() == unknown_user.json() == BAD


def test_it_refuses_an_inactive_user(api_client):
    user = UserFactory(is_active=False)

    assert login(api_client, user.username).json() == BAD


def test_it_names_missing_login_fields(api_client):
    r = api_client.post(LOGIN, {})

    assert r.status_code == 400
    assert set(r.json()) == {"username", "password"}


def test_a_bearer_token_authenticates_requests(api_client):
    patient = PatientFactory()
    token = login(api_client, patient.user.username).json()["token"]

    r = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert r.status_code == 200
    assert r.json()["username"] == patient.user.username


@pytest.mark.parametrize("factory", [PatientFactory, TherapistFactory])
def test_the_token_query_also_says_who_is_asking(api_client, factory):
    person = factory()
    token = login(api_client, person.user.username).json()["token"]

    with CaptureQueriesContext(connection) as queries:
        r = api_client.get("/api/v1/me/walks/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert r.status_code in (200, 404)
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if re.match(r'SELECT [^(]*? FROM "(patients_patient|clinic_therapist)"', q["sql"])
    ]
    assert lookups == []


def test_it_records_when_a_token_was_last_used(api_client):
    patient = PatientFactory()
    token = login(api_client, patient.user.username).json()["token"]

    api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert ApiToken.objects.get().last_used_at is not None


def test_an_expired_token_is_refused(api_client):
    patient = PatientFactory()
    token = login(api_client, patient.user.username).json()["token"]

    with time_machine.travel(timezone.now() + timedelta(hours=12, seconds=1)):
        r = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert r.status_code == 401
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused(api_client):
    r = api_client.get(ME, HTTP_AUTHORIZATION="Bearer wrx_not-a-token")

    assert r.status_code == 401


def test_an_anonymous_request_is_401_with_a_bearer_challenge(api_client):
    r = api_client.get(ME)

    assert r.status_code == 401
    assert r["WWW-Authenticate"] == 'Bearer realm="api"'


def test_logout_revokes_the_token(api_client):
    patient = PatientFactory()
    token = login(api_client, patient.user.username).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    r = api_client.post(LOGOUT, **auth)

    assert r.status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    assert api_client.get(ME, **auth).status_code == 401


def test_logout_leaves_the_users_other_tokens_alone(api_client):
    patient = PatientFactory()
    first = login(api_client, patient.user.username).json()["token"]
    second = login(api_client, patient.user.username).json()["token"]

    api_client.post(LOGOUT, HTTP_AUTHORIZATION=f"Bearer {first}")

    assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200


def test_logout_all_revokes_every_token_of_the_user(api_client):
    patient = PatientFactory()
    tokens = [login(api_client, patient.user.username).json()["token"] for _ in range(2)]

    r = api_client.post(LOGOUT_ALL, HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")

    assert r.status_code == 204
    for token in tokens:
        assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_logout_needs_authentication(api_client):
    assert api_client.post(LOGOUT).status_code == 401


def test_session_authentication_works_and_enforces_csrf():
    from rest_framework.test import APIClient

    patient = PatientFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(patient.user)

    read = client.get(ME)
    write = client.post("/api/v1/me/pain/", {"date": str(timezone.localdate()), "score": 3})

    assert read.status_code == 200
    assert write.status_code == 403
    assert "CSRF" in write.json()["detail"]


def test_login_attempts_are_limited_per_username(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "3/min",
        },
    }
    user = UserFactory()
    for i in range(3):
        api_client.post(
            LOGIN, {"username": user.username, "password": "x"}, REMOTE_ADDR=f"10.0.0.{i}"
        )

    r = api_client.post(
        LOGIN, {"username": user.username, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.0.99"
    )

    assert r.status_code == 429
    assert "Retry-After" in r


def test_login_attempts_are_limited_per_ip(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "3/min",
        },
    }
    for i in range(3):
        api_client.post(LOGIN, {"username": f"someone{i}", "password": "x"})

    r = login(api_client, UserFactory().username)

    assert r.status_code == 429


def test_anonymous_requests_are_throttled_per_ip(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "2/min",
        },
    }
    for i in range(2):
        api_client.post(LOGIN, {"username": f"someone{i}", "password": "x"})

    assert login(api_client, UserFactory().username).status_code == 429


def test_authenticated_requests_are_throttled_per_user(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user": "2/min",
        },
    }
    patient = PatientFactory()
    api_client.force_authenticate(patient.user)
    for _ in range(2):
        api_client.get(ME)

    assert api_client.get(ME).status_code == 429
