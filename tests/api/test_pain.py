from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.timezones import local_date
from patients.models import PainCheckIn
from tests.api.conftest import client_for
from tests.factories import PainCheckInFactory, PatientFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/pain/"


def today_of(patient):
    return local_date(timezone.now(), patient.timezone)


def test_it_records_a_check_in():
    patient = PatientFactory()
    body = {
        "date": str(today_of(patient)),
        "score": 6,
        "flare_up": True,
        "triggers": ["stress", "poor_sleep"],
        "note": "Long drive.",
    }

    r = client_for(patient.user).post(URL, body)

    assert r.status_code == 201
    checkin = PainCheckIn.objects.get(id=r.json()["id"])
    assert (checkin.score, checkin.flare_up, checkin.triggers) == (
        6,
        True,
        ["poor_sleep", "stress"],
    )


def test_a_second_check_in_for_the_same_date_replaces_the_first():
    patient = PatientFactory()
    client = client_for(patient.user)
    day = str(today_of(patient))
    first = client.post(URL, {"date": day, "score": 6})

    second = client.post(URL, {"date": day, "score": 3})

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert list(PainCheckIn.objects.values_list("score", flat=True)) == [3]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("score", 11),
        ("score", -1),
        ("date", "2026-02-30"),
        ("triggers", ["gardening"]),
        ("flare_up", "perhaps"),
    ],
)
def test_it_rejects_bad_fields_and_saves_nothing(field, value):
    patient = PatientFactory()
    body = {"date": str(today_of(patient)), "score": 4, field: value}

    r = client_for(patient.user).post(URL, body)

    assert r.status_code == 400
    assert list(r.json()) == [field]
    assert PainCheckIn.objects.count() == 0


def test_it_rejects_a_future_date():
    patient = PatientFactory()
    tomorrow = str(today_of(patient) + timedelta(days=1))

    r = client_for(patient.user).post(URL, {"date": tomorrow, "score": 4})

    assert r.json() == {"date": ["Cannot be in the future."]}


def test_it_rejects_a_date_older_than_the_backdating_window():
    patient = PatientFactory()
    old = str(today_of(patient) - timedelta(days=15))

    r = client_for(patient.user).post(URL, {"date": old, "score": 4})

    assert r.json() == {"date": ["Cannot be more than 14 days ago."]}


def test_it_names_every_missing_field():
    patient = PatientFactory()

    r = client_for(patient.user).post(URL, {})

    assert set(r.json()) == {"date", "score"}


def test_it_lists_check_ins_newest_first_and_filters_by_date():
    patient = PatientFactory()
    today = today_of(patient)
    for days_ago in (0, 2, 5):
        PainCheckInFactory(patient=patient, date=today - timedelta(days=days_ago))
    client = client_for(patient.user)

    everything = client.get(URL).json()
    filtered = client.get(URL, {"from": str(today - timedelta(days=3))}).json()

    assert [c["date"] for c in everything["results"]] == [
        str(today - timedelta(days=d)) for d in (0, 2, 5)
    ]
    assert len(filtered["results"]) == 2
    assert set(everything) == {"results", "next", "previous"}


def test_a_malformed_to_date_is_400():
    patient = PatientFactory()

    r = client_for(patient.user).get(URL, {"to": "last week"})

    assert r.status_code == 400
    assert list(r.json()) == ["to"]


def test_a_therapist_lists_their_patients_check_ins():
    checkin = PainCheckInFactory()

    r = client_for(checkin.patient.therapist.user).get(
        f"/api/v1/patients/{checkin.patient_id}/pain/"
    )

    assert [c["id"] for c in r.json()["results"]] == [checkin.id]
