"""Strict query parameters: unknown, repeated, empty or malformed ones are a 400 naming them."""

from __future__ import annotations

import pytest

from tests.api.conftest import client_for
from tests.factories import PatientFactory, WalkLogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return PatientFactory()


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("to=", "to"),
        ("from=", "from"),
        ("from=2026-13-01", "from"),
        ("from=01/02/2026", "from"),
        ("page_size=", "page_size"),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page_size=1.5", "page_size"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_walks_query_parameter_is_refused_by_name(patient, query, name):
    r = client_for(patient.user).get(f"/api/v1/me/walks/?{query}")

    assert r.status_code == 400
    assert list(r.json()) == [name]


def test_a_repeated_single_valued_parameter_is_refused(patient):
    r = client_for(patient.user).get("/api/v1/me/walks/?page_size=5&page_size=9")

    assert r.status_code == 400
    assert r.json() == {"page_size": ["Give this parameter at most once."]}


def test_a_valid_query_still_filters_and_pages(patient):
    walk = WalkLogFactory(patient=patient)
    day = walk.local_date.isoformat()

    r = client_for(patient.user).get(f"/api/v1/me/walks/?from={day}&to={day}&page_size=1")

    assert r.status_code == 200
    assert [row["id"] for row in r.json()["results"]] == [walk.id]


@pytest.mark.parametrize("query", ["weeks=", "weeks=0", "weeks=53", "weeks=x", "weeks=4&weeks=8"])
def test_a_bad_weeks_is_refused_by_name(patient, query):
    r = client_for(patient.user).get(f"/api/v1/me/progress/?{query}")

    assert r.status_code == 400
    assert list(r.json()) == ["weeks"]


def test_progress_refuses_an_unknown_parameter(patient):
    r = client_for(patient.user).get("/api/v1/me/progress/?week=4")

    assert r.status_code == 400
    assert r.json() == {"week": ["Unknown query parameter."]}


@pytest.mark.parametrize(
    ("query", "name"), [("from=", "from"), ("to=2026-02-30", "to"), ("days=3", "days")]
)
def test_a_bad_steps_range_is_refused_by_name(patient, query, name):
    r = client_for(patient.user).get(f"/api/v1/me/steps/?{query}")

    assert r.status_code == 400
    assert list(r.json()) == [name]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("therapist=1.5", "therapist"),
        ("therapist=", "therapist"),
        ("status=", "status"),
        ("has_open_alerts=", "has_open_alerts"),
        ("has_open_alerts=AAA", "has_open_alerts"),
        ("page=1&page=2", "page"),
    ],
)
def test_a_bad_patient_list_parameter_is_refused_by_name(patient, query, name):
    r = client_for(patient.therapist.user).get(f"/api/v1/patients/?{query}")

    assert r.status_code == 400
    assert list(r.json()) == [name]


def test_an_empty_search_or_ordering_means_none(patient):
    r = client_for(patient.therapist.user).get("/api/v1/patients/?search=&ordering=")

    assert r.status_code == 200
    assert [row["id"] for row in r.json()["results"]] == [patient.id]


def test_the_fhir_export_refuses_an_empty_format(patient):
    r = client_for(patient.user).get("/api/v1/me/fhir/?format=")

    assert r.status_code == 400
    assert list(r.json()) == ["format"]
