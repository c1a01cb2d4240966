"""Argon2 hashing, the sign-in lockout on the API, the staff idle timeout, token revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db
LOGIN, LOGOUT_ALL, ME = "/api/v1/auth/login/", "/api/v1/auth/logout-all/", "/api/v1/me/"


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    return settings


def _login(client, username, password, ip):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_passwords_are_hashed_with_argon2_in_production_settings(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

    encoded = make_password("a-long-unusual-passphrase")

    assert encoded.startswith("argon2$argon2id$")
    assert check_password("a-long-unusual-passphrase", encoded)


def test_the_api_login_says_429_with_retry_after_once_axes_locks_the_username(lockout):
    user = UserFactory()
    client = APIClient()
    for _ in range(3):
        _login(client, user.username, "wrong", "10.1.1.1")

    r = _login(client, user.username, DEFAULT_PASSWORD, "10.1.1.1")

    assert r.status_code == 429
    assert int(r["Retry-After"]) == 15 * 60
    assert "failed sign-ins" in r.json()["detail"]


def test_a_locked_out_username_can_still_log_in_from_another_address(lockout):
    user = UserFactory()
    client = APIClient()
    for _ in range(3):
        _login(client, user.username, "wrong", "10.1.1.1")

    r = _login(client, user.username, DEFAULT_PASSWORD, "10.2.2.2")

    assert r.status_code == 200
    assert r.json()["token"]


def test_failures_below_the_limit_still_get_the_plain_400(lockout):
    user = UserFactory()
    client = APIClient()

    r = _login(client, user.username, "wrong", "10.1.1.1")

    assert r.status_code == 400


def test_the_lockout_ends_after_the_cooloff(lockout):
    user = UserFactory()
    client = APIClient()
    for _ in range(3):
        _login(client, user.username, "wrong", "10.1.1.1")

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        r = _login(client, user.username, DEFAULT_PASSWORD, "10.1.1.1")

    assert r.status_code == 200


def test_sign_out_everywhere_stops_every_token_on_the_next_request():
    patient = PatientFactory()
    client = APIClient()
    tokens = [
        _login(client, patient.user.username, DEFAULT_PASSWORD, "10.0.0.1").json()["token"]
        for _ in range(3)
    ]
    assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {tokens[2]}").status_code == 200

    client.post(LOGOUT_ALL, HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")

    assert [
        client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code for token in tokens
    ] == [401, 401, 401]


def test_a_token_works_until_just_before_it_expires():
    patient = PatientFactory()
    client = APIClient()
    token = _login(client, patient.user.username, DEFAULT_PASSWORD, "10.0.0.1").json()["token"]

    with time_machine.travel(timezone.now() + timedelta(hours=11, minutes=59)):
        r = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert r.status_code == 200


# --- Staff idle timeout -----------------------------------------------------


def test_staff_are_signed_out_after_the_idle_limit(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 15
    therapist = TherapistFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(therapist.user)
        assert client.get("/admin/").status_code == 200

        traveller.shift(timedelta(minutes=16))
        r = client.get("/admin/patients/patient/")

    assert r.status_code == 302
    assert r["Location"].startswith("/admin/login/?next=")
    assert "_auth_user_id" not in client.session


def test_staff_activity_within_the_limit_keeps_the_session(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 15
    therapist = TherapistFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(therapist.user)
        for _ in range(3):  # 3 x 10 minutes: never 15 idle in a row
            traveller.shift(timedelta(minutes=10))
            assert client.get("/admin/").status_code == 200

    assert client.session["_auth_user_id"] == str(therapist.user.id)


def test_the_idle_limit_comes_from_settings(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    therapist = TherapistFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(therapist.user)
        client.get("/admin/")
        traveller.shift(timedelta(minutes=6))
        r = client.get("/admin/")

    assert r.status_code == 302


def test_an_idle_staff_session_on_the_api_becomes_anonymous(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 15
    therapist = TherapistFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(therapist.user)
        client.get("/api/v1/patients/")
        traveller.shift(timedelta(minutes=16))
        r = client.get("/api/v1/patients/")

    assert r.status_code == 401


def test_patients_keep_their_session_however_long_they_are_idle(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 15
    patient = PatientFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(patient.user)
        client.get("/portal/")
        traveller.shift(timedelta(hours=3))
        r = client.get("/portal/")

    assert "login" not in r.get("Location", "")
    assert client.session["_auth_user_id"] == str(patient.user.id)


def test_the_portal_shows_its_lockout_page_with_retry_after(lockout, client):
    patient = PatientFactory()
    for _ in range(3):
        r = client.post(
            "/portal/login/",
            {"username": patient.user.username, "password": "wrong"},
            REMOTE_ADDR="10.3.3.3",
        )

    assert r.status_code == 429
    assert r["Retry-After"] == str(15 * 60)
    assert b"paused" in r.content
