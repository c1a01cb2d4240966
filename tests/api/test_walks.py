from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from programs.models import WalkLog
from tests.api.conftest import client_for
from tests.factories import PatientFactory, WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/walks/"


def walk_body(**overrides):
    body = {
        "started_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "duration_minutes": 20,
        "kind": "outdoor",
        "talk_test": "brisk",
        "pain_before": 3,
        "pain_after": 2,
        "steps": 2400,
        "note": "Around the park.",
    }
    body.update(overrides)
    return body


def test_it_logs_a_walk_and_returns_it_with_its_id():
    program = WalkingProgramFactory()

    r = client_for(program.patient.user).post(URL, walk_body())

    assert r.status_code == 201
    walk = WalkLog.objects.get(id=r.json()["id"])
    assert (walk.patient, walk.program, walk.duration_minutes) == (program.patient, program, 20)
    assert r.json()["steps"] == 2400
    assert r.json()["local_date"] == str(walk.local_date)


def test_optional_fields_may_be_left_out():
    patient = PatientFactory()
    body = walk_body()
    for name in ("steps", "note"):
        del body[name]

    r = client_for(patient.user).post(URL, body)

    assert r.status_code == 201
    assert (r.json()["steps"], r.json()["distance_m"], r.json()["note"]) == (None, None, "")


def test_the_walk_gets_the_patients_local_date():
    patient = PatientFactory(timezone="Australia/Sydney")
    started = timezone.now().replace(hour=15, minute=30, second=0, microsecond=0) - timedelta(
        days=1
    )  # 15:30 UTC is 01:30 or 02:30 the next day in Sydney

    r = client_for(patient.user).post(URL, walk_body(started_at=started.isoformat()))

    assert r.json()["local_date"] == str((started + timedelta(days=1)).date())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain_before", 11),
        ("pain_before", -1),
        ("pain_after", 11),
        ("duration_minutes", 0),
        ("duration_minutes", 301),
        ("kind", "cycling"),
        ("talk_test", "shouting"),
        ("started_at", "yesterday"),
        ("started_at", "2026-05-01T08:00:00"),
        ("steps", -5),
    ],
)
def test_it_rejects_bad_fields_and_saves_nothing(field, value):
    patient = PatientFactory()

    r = client_for(patient.user).post(URL, walk_body(**{field: value}))

    assert r.status_code == 400
    assert list(r.json()) == [field]
    assert isinstance(r.json()[field], list)
    assert WalkLog.objects.count() == 0


def test_it_rejects_a_walk_in_the_future():
    patient = PatientFactory()
    future = (timezone.now() + timedelta(minutes=10)).isoformat()

    r = client_for(patient.user).post(URL, walk_body(started_at=future))

    assert r.status_code == 400
    assert r.json() == {"started_at": ["A walk cannot start in the future."]}


def test_it_rejects_a_walk_older_than_the_backdating_window():
    patient = PatientFactory()
    old = (timezone.now() - timedelta(days=16)).isoformat()

    r = client_for(patient.user).post(URL, walk_body(started_at=old))

    assert r.status_code == 400
    assert r.json() == {"started_at": ["Cannot be more than 14 days ago."]}


def test_it_names_every_bad_field_at_once():
    patient = PatientFactory()
    body = walk_body(
        duration_minutes=0,
        pain_after=11,
        kind="cycling",
        started_at=(timezone.now() + timedelta(days=1)).isoformat(),
    )
    del body["talk_test"]

    r = client_for(patient.user).post(URL, body)

    assert r.status_code == 400
    assert set(r.json()) == {"duration_minutes", "pain_after", "kind", "started_at", "talk_test"}


def test_it_lists_walks_newest_first_with_cursor_pages():
    patient = PatientFactory()
    now = timezone.now()
    walks = [
        WalkLogFactory(patient=patient, started_at=now - timedelta(hours=h)) for h in (3, 1, 2)
    ]
    client = client_for(patient.user)

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert set(first) == {"results", "next", "previous"}
    assert [w["id"] for w in first["results"]] == [walks[1].id, walks[2].id]
    assert [w["id"] for w in second["results"]] == [walks[0].id]
    assert second["next"] is None


def test_it_filters_walks_by_local_dates():
    patient = PatientFactory()
    today = timezone.localdate()
    for days_ago in (0, 3, 6):
        WalkLogFactory(
            patient=patient,
            started_at=timezone.now() - timedelta(days=days_ago),
            local_date=today - timedelta(days=days_ago),
        )

    r = client_for(patient.user).get(
        URL, {"from": str(today - timedelta(days=4)), "to": str(today - timedelta(days=1))}
    )

    assert [w["local_date"] for w in r.json()["results"]] == [str(today - timedelta(days=3))]


def test_a_malformed_filter_date_is_400_naming_the_parameter():
    patient = PatientFactory()

    r = client_for(patient.user).get(URL, {"from": "2026-13-45"})

    assert r.status_code == 400
    assert list(r.json()) == ["from"]


def test_it_shows_one_walk():
    walk = WalkLogFactory()

    r = client_for(walk.patient.user).get(f"{URL}{walk.id}/")

    assert r.status_code == 200
    assert r.json()["id"] == walk.id


def test_a_walk_can_be_changed_within_the_edit_window():
    walk = WalkLogFactory(duration_minutes=10)

    r = client_for(walk.patient.user).patch(f"{URL}{walk.id}/", {"duration_minutes": 25})

    assert r.status_code == 200
    walk.refresh_from_db()
    assert walk.duration_minutes == 25


def test_a_change_is_validated_like_a_new_walk():
    walk = WalkLogFactory(duration_minutes=10)

    r = client_for(walk.patient.user).patch(f"{URL}{walk.id}/", {"duration_minutes": 301})

    assert r.status_code == 400
    assert list(r.json()) == ["duration_minutes"]
    walk.refresh_from_db()
    assert walk.duration_minutes == 10


def test_a_walk_cannot_be_changed_after_the_edit_window():
    walk = WalkLogFactory(duration_minutes=10)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        r = client_for(walk.patient.user).patch(f"{URL}{walk.id}/", {"duration_minutes": 25})

    assert r.status_code == 400
    assert "non_field_errors" in r.json()
    walk.refresh_from_db()
    assert walk.duration_minutes == 10


def test_a_walk_can_be_deleted_within_the_edit_window():
    walk = WalkLogFactory()

    r = client_for(walk.patient.user).delete(f"{URL}{walk.id}/")

    assert r.status_code == 204
    assert not WalkLog.objects.filter(id=walk.id).exists()


def test_a_walk_cannot_be_deleted_after_the_edit_window():
    walk = WalkLogFactory()

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        r = client_for(walk.patient.user).delete(f"{URL}{walk.id}/")

    assert r.status_code == 400
    assert WalkLog.objects.filter(id=walk.id).exists()


def test_put_is_not_allowed():
    walk = WalkLogFactory()

    r = client_for(walk.patient.user).put(f"{URL}{walk.id}/", walk_body())

    assert r.status_code == 405


def test_a_therapist_lists_their_patients_walks():
    walk = WalkLogFactory()

    r = client_for(walk.patient.therapist.user).get(f"/api/v1/patients/{walk.patient_id}/walks/")

    assert r.status_code == 200
    assert [w["id"] for w in r.json()["results"]] == [walk.id]


def test_my_walks_show_times_in_my_time_zone():
    patient = PatientFactory(timezone="America/New_York")
    walk = WalkLogFactory(patient=patient)

    r = client_for(patient.user).get(f"{URL}{walk.id}/")

    shown = datetime.fromisoformat(r.json()["started_at"])
    assert shown == walk.started_at
    assert shown.utcoffset() == walk.started_at.astimezone(ZoneInfo("America/New_York")).utcoffset()


def test_a_walk_sent_with_any_offset_is_stored_as_the_same_instant():
    patient = PatientFactory(timezone="Europe/London")
    started = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    in_tokyo = started.astimezone(ZoneInfo("Asia/Tokyo")).isoformat()

    r = client_for(patient.user).post(URL, walk_body(started_at=in_tokyo))

    assert WalkLog.objects.get(id=r.json()["id"]).started_at == started
