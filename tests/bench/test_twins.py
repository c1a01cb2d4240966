"""The bare twins: never mounted by default; the same answers as the API when they are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bench import twins
from clinic.api.tokens import api_token_issue
from programs.models import WalkLog
from tests.factories import WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_token():
    program = WalkingProgramFactory(patient__timezone="America/New_York")
    for hours in (1, 5, 30, 60):
        WalkLogFactory(patient=program.patient, started_at=timezone.now() - timedelta(hours=hours))
    return program.patient, api_token_issue(user=program.patient.user).raw


def _twin(view, token: str, path: str = "/", method: str = "get", **kwargs):
    request = getattr(RequestFactory(), method)(
        path, HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs
    )
    return view(request)


def test_twins_are_not_mounted_by_default(client, settings):
    assert settings.WALKRX_BENCH_TWINS is False
    with pytest.raises(NoReverseMatch):
        reverse("bench-twin-nodb")
    assert client.get("/bench/nodb/").status_code == 404


def test_twin_without_a_valid_token_is_401():
    response = _twin(twins.today, "wrx_not-a-token")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("view", "api_path"),
    [(twins.today, "/api/v1/me/today/"), (twins.progress, "/api/v1/me/progress/")],
)
def test_twin_answers_what_the_api_answers(patient_token, view, api_path):
    _, token = patient_token
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}").get(api_path)
    twin = _twin(view, token)
    assert twin.status_code == api.status_code == 200
    import json

    assert json.loads(twin.content) == api.json()


def test_twin_walk_pages_are_the_apis_walks_in_order(patient_token):
    import json

    _, token = patient_token
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me/walks/?page_size=2")
    twin_first = json.loads(_twin(twins.walks, token).content)
    api_ids = [w["id"] for w in api.json()["results"]]
    assert [w["id"] for w in twin_first["results"]] == [
        w.id for w in WalkLog.objects.order_by("-started_at", "-id")
    ]
    assert [w["id"] for w in twin_first["results"][:2]] == api_ids
    assert twin_first["results"][0] == api.json()["results"][0]


def test_twin_keyset_page_continues_after_the_cursor(patient_token, monkeypatch):
    import json

    monkeypatch.setattr(twins, "PAGE_SIZE", 3)
    _, token = patient_token
    first = json.loads(_twin(twins.walks, token).content)
    second = json.loads(_twin(twins.walks, token, path="/" + first["next"]).content)
    ordered = list(WalkLog.objects.order_by("-started_at", "-id").values_list("id", flat=True))
    assert [w["id"] for w in first["results"]] + [w["id"] for w in second["results"]] == ordered
    assert second["next"] is None


def test_twin_post_logs_a_walk_like_the_api(patient_token):
    import json

    patient, token = patient_token
    body = json.dumps(
        {
            "started_at": (timezone.now() - timedelta(hours=2)).isoformat(),
            "duration_minutes": 15,
            "kind": "outdoor",
            "talk_test": "brisk",
            "pain_before": 3,
            "pain_after": 2,
        }
    )
    response = _twin(twins.walks, token, method="post", data=body, content_type="application/json")
    assert response.status_code == 201
    walk = WalkLog.objects.get(id=json.loads(response.content)["id"])
    assert walk.patient == patient
    assert walk.duration_minutes == 15
    assert walk.program is not None
