from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_is_served(api_client):
    r = api_client.get("/api/schema/")

    assert r.status_code == 200
    assert b"/api/v1/me/walks/" in r.content


def test_the_interactive_docs_are_served(api_client):
    r = api_client.get("/api/docs/")

    assert r.status_code == 200
    assert b"swagger" in r.content.lower()


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_schema_describes_errors_and_the_idempotency_key(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())

    create_walk = schema["paths"]["/api/v1/me/walks/"]["post"]

    assert {"201", "400", "401", "404", "422"} <= set(create_walk["responses"])
    assert "Idempotency-Key" in [p["name"] for p in create_walk["parameters"]]
    bad_input = create_walk["responses"]["400"]["content"]["application/json"]["schema"]
    assert bad_input["additionalProperties"]["type"] == "array"


def test_every_request_body_forbids_unknown_fields(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())

    bodies = {n: c for n, c in schema["components"]["schemas"].items() if n.endswith("Request")}

    assert "WalkInRequest" in bodies
    assert {n for n, c in bodies.items() if c.get("additionalProperties") is not False} == set()


def test_the_schema_states_the_query_parameters_ranges(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]

    def query(path, name):
        params = paths[path]["get"]["parameters"]
        return next(p["schema"] for p in params if p["name"] == name)

    assert query("/api/v1/me/walks/", "page_size") == {
        "type": "integer",
        "minimum": 1,
        "maximum": 200,
    }
    assert query("/api/v1/me/progress/", "weeks") == {
        "type": "integer",
        "minimum": 1,
        "maximum": 52,
    }
    assert query("/api/v1/me/steps/", "from") == {"type": "string", "format": "date"}
    assert query("/api/v1/alerts/", "patient")["type"] == "integer"
    key = next(
        p
        for p in paths["/api/v1/me/walks/"]["post"]["parameters"]
        if p["name"] == "Idempotency-Key"
    )
    assert (key["schema"]["minLength"], key["schema"]["maxLength"]) == (1, 255)
