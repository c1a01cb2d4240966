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
