"""An unsupported method is 405 with an Allow header, signed in or not."""

from __future__ import annotations

import pytest

from tests.api.conftest import client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_an_anonymous_trace_gets_405_with_the_allowed_methods(api_client):
    r = api_client.generic("TRACE", "/api/v1/me/walks/")

    assert r.status_code == 405
    assert r["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_an_anonymous_unsupported_method_of_a_viewset_route_gets_405(api_client):
    r = api_client.put("/api/v1/me/walks/1/", {})

    assert r.status_code == 405
    assert r["Allow"] == "GET, PATCH, DELETE, HEAD, OPTIONS"


def test_an_anonymous_supported_method_still_asks_for_credentials(api_client):
    r = api_client.delete("/api/v1/me/walks/1/")

    assert r.status_code == 401


def test_a_signed_in_unsupported_method_gets_405_too():
    patient = PatientFactory()

    r = client_for(patient.user).delete("/api/v1/me/")

    assert r.status_code == 405
    assert r["Allow"] == "GET, HEAD, OPTIONS"
