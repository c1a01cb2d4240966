from __future__ import annotations

import re

import pytest
from django.core import mail

from patients.models import Alert, Patient
from tests.api.conftest import client_for
from tests.factories import (
    DEFAULT_PASSWORD,
    AlertFactory,
    PatientFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/patients/"


def new_patient(**overrides):
    body = {
        "username": "newpatient",
        "password": "a-long-unusual-passphrase",
        "first_name": "Ada",
        "last_name": "Walker",
        "email": "ada@example.org",
        "date_of_birth": "1968-03-02",
        "baseline_pain": 6,
    }
    body.update(overrides)
    return body


def test_it_creates_a_patient_in_the_therapists_clinic():
    therapist = TherapistFactory(clinic__timezone="Europe/Paris")

    r = client_for(therapist.user).post(URL, new_patient())

    assert r.status_code == 201
    patient = Patient.objects.get(id=r.json()["id"])
    assert (patient.clinic, patient.therapist, patient.timezone) == (
        therapist.clinic,
        therapist,
        "Europe/Paris",
    )
    assert patient.user.check_password("a-long-unusual-passphrase")
    assert "password" not in r.json()


def test_it_takes_a_time_zone():
    therapist = TherapistFactory()

    r = client_for(therapist.user).post(URL, new_patient(timezone="Asia/Tokyo"))

    assert r.json()["timezone"] == "Asia/Tokyo"


def test_without_a_password_the_patient_is_emailed_a_working_set_password_link(
    django_capture_on_commit_callbacks, client
):
    therapist = TherapistFactory()
    body = new_patient()
    del body["password"]

    with django_capture_on_commit_callbacks(execute=True):
        r = client_for(therapist.user).post(URL, body)

    assert r.status_code == 201
    patient = Patient.objects.get(id=r.json()["id"])
    assert patient.user.has_usable_password() is False
    assert mail.outbox[0].to == ["ada@example.org"]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "my-own-secret-walk", "new_password2": "my-own-secret-walk"},
    )
    assert done.status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.check_password("my-own-secret-walk")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("baseline_pain", 11),
        ("baseline_pain", -1),
        ("date_of_birth", "1968-02-30"),
        ("date_of_birth", "2999-01-01"),
        ("timezone", "Mars/Olympus_Mons"),
        ("email", "not-an-email"),
        ("password", "123"),
    ],
)
def test_it_rejects_bad_fields_and_creates_nothing(field, value):
    therapist = TherapistFactory()

    r = client_for(therapist.user).post(URL, new_patient(**{field: value}))

    assert r.status_code == 400
    assert list(r.json()) == [field]
    assert Patient.objects.count() == 0


def test_it_rejects_a_taken_username():
    therapist = TherapistFactory()
    UserFactory(username="newpatient")

    r = client_for(therapist.user).post(URL, new_patient())

    assert r.json() == {"username": ["A user with that username already exists."]}


def test_it_names_every_missing_field():
    therapist = TherapistFactory()

    r = client_for(therapist.user).post(URL, {})

    assert set(r.json()) == {
        "username",
        "first_name",
        "last_name",
        "email",
        "date_of_birth",
        "baseline_pain",
    }


def test_the_list_has_the_caseload_columns():
    patient = PatientFactory(baseline_pain=6)
    AlertFactory(patient=patient)

    r = client_for(patient.therapist.user).get(URL)

    assert r.status_code == 200
    row = r.json()["results"][0]
    assert row["id"] == patient.id
    assert row["open_alerts"] == 1
    assert row["adherence_7d"] is None
    assert row["pain_change"] is None
    assert set(r.json()) == {"count", "next", "previous", "results"}


def test_the_list_shows_only_the_therapists_clinic():
    mine = PatientFactory()
    colleague = TherapistFactory(clinic=mine.clinic)
    colleagues_patient = PatientFactory(therapist=colleague)
    PatientFactory()

    r = client_for(mine.therapist.user).get(URL)

    assert {p["id"] for p in r.json()["results"]} == {mine.id, colleagues_patient.id}


def test_the_list_searches_names():
    therapist = TherapistFactory()
    wanted = PatientFactory(therapist=therapist, user__last_name="Quokka")
    PatientFactory(therapist=therapist, user__last_name="Smith")

    r = client_for(therapist.user).get(URL, {"search": "quok"})

    assert [p["id"] for p in r.json()["results"]] == [wanted.id]


def test_the_list_filters_by_status_and_open_alerts():
    therapist = TherapistFactory()
    paused = PatientFactory(therapist=therapist, status=Patient.Status.PAUSED)
    alerted = PatientFactory(therapist=therapist)
    AlertFactory(patient=alerted)
    client = client_for(therapist.user)

    by_status = client.get(URL, {"status": "paused"}).json()["results"]
    by_alerts = client.get(URL, {"has_open_alerts": "true"}).json()["results"]

    assert [p["id"] for p in by_status] == [paused.id]
    assert [p["id"] for p in by_alerts] == [alerted.id]


def test_the_list_sorts_by_open_alerts():
    therapist = TherapistFactory()
    calm, busy = PatientFactory.create_batch(2, therapist=therapist)
    AlertFactory(patient=busy, kind=Alert.Kind.PAIN_RISING)
    AlertFactory(patient=busy, kind=Alert.Kind.FLARE_UP)

    r = client_for(therapist.user).get(URL, {"ordering": "-open_alerts"})

    assert [p["id"] for p in r.json()["results"]] == [busy.id, calm.id]


def test_an_unknown_status_filter_is_400():
    therapist = TherapistFactory()

    r = client_for(therapist.user).get(URL, {"status": "asleep"})

    assert r.status_code == 400
    assert list(r.json()) == ["status"]


def test_it_shows_one_patient():
    patient = PatientFactory()

    r = client_for(patient.therapist.user).get(f"{URL}{patient.id}/")

    assert r.json()["username"] == patient.user.username


def test_it_updates_a_patient():
    patient = PatientFactory(baseline_pain=5)
    colleague = TherapistFactory(clinic=patient.clinic)

    r = client_for(patient.therapist.user).patch(
        f"{URL}{patient.id}/",
        {"baseline_pain": 7, "first_name": "Bea", "therapist": colleague.id, "status": "paused"},
    )

    assert r.status_code == 200
    patient.refresh_from_db()
    assert (patient.baseline_pain, patient.user.first_name, patient.therapist, patient.status) == (
        7,
        "Bea",
        colleague,
        "paused",
    )


def test_an_update_cannot_move_a_patient_to_another_clinics_therapist():
    patient = PatientFactory()
    stranger = TherapistFactory()

    r = client_for(patient.therapist.user).patch(f"{URL}{patient.id}/", {"therapist": stranger.id})

    assert r.status_code == 400
    assert list(r.json()) == ["therapist"]


def test_a_bad_update_changes_nothing():
    patient = PatientFactory(baseline_pain=5)
    old_first_name = patient.user.first_name

    r = client_for(patient.therapist.user).patch(
        f"{URL}{patient.id}/",
        {"baseline_pain": 11, "timezone": "Nowhere/Special", "first_name": "Zed"},
    )

    assert r.status_code == 400
    assert set(r.json()) == {"baseline_pain", "timezone"}
    patient = Patient.objects.select_related("user").get(id=patient.id)
    assert (patient.baseline_pain, patient.user.first_name) == (5, old_first_name)


def test_a_patient_login_works_after_creation(api_client):
    therapist = TherapistFactory()
    client_for(therapist.user).post(URL, new_patient(password=DEFAULT_PASSWORD))

    r = api_client.post(
        "/api/v1/auth/login/", {"username": "newpatient", "password": DEFAULT_PASSWORD}
    )

    assert r.status_code == 200
