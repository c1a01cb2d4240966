"""Production settings: `check --deploy` is clean, headers, CSP, CORS."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from tests.factories import PatientFactory

ROOT = Path(__file__).resolve().parents[2]
# Set for the tests themselves (plain HTTP) in pyproject's pytest env list.
TEST_ONLY_OVERRIDES = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_OVERRIDES}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="walkrx.example.org",
        DJANGO_SETTINGS_MODULE="clinic.settings",
        **extra,
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_passes_the_deploy_check_with_the_production_defaults():
    r = _run(["check", "--deploy", "--fail-level", "WARNING"], _production_env())

    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


PRODUCTION_DEFAULTS = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "X_FRAME_OPTIONS": "DENY",
    "SECURE_PROXY_SSL_HEADER": None,
    "CORS_ALLOWED_ORIGINS": [],
    "DATA_UPLOAD_MAX_MEMORY_SIZE": 1024 * 1024,
    "STAFF_SESSION_IDLE_MINUTES": 15,
}


def test_production_defaults_are_secure():
    names = [*PRODUCTION_DEFAULTS, "PASSWORD_HASHERS"]
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )

    r = _run(["shell", "-c", code], _production_env())

    values = json.loads(r.stdout.strip().splitlines()[-1])
    assert values.pop("PASSWORD_HASHERS")[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values == PRODUCTION_DEFAULTS


def test_the_proxy_ssl_header_comes_from_the_environment():
    code = "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"

    r = _run(
        ["shell", "-c", code],
        _production_env(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https"),
    )

    assert r.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/portal/login/", "/admin/login/", "/api/docs/"])
def test_pages_carry_the_security_headers(client, path):
    r = client.get(path)

    assert r.status_code == 200
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    assert "camera=()" in r["Permissions-Policy"]


@pytest.mark.django_db
def test_swagger_ui_loads_its_assets_from_this_site_without_inline_script(client):
    html = client.get("/api/docs/").content.decode()

    assert "cdn.jsdelivr" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<script>" not in html  # the init script is a separate same-origin request


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=["https://portal.example.org"])
def test_cors_allows_a_configured_origin_on_the_api(client):
    r = client.get("/api/v1/me/", HTTP_ORIGIN="https://portal.example.org")

    assert r["Access-Control-Allow-Origin"] == "https://portal.example.org"


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=["https://portal.example.org"])
def test_cors_ignores_any_other_origin(client):
    r = client.get("/api/v1/me/", HTTP_ORIGIN="https://evil.example.com")

    assert "Access-Control-Allow-Origin" not in r


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=["https://portal.example.org"])
def test_cors_headers_are_only_sent_for_api_paths(client):
    PatientFactory()

    r = client.get("/portal/login/", HTTP_ORIGIN="https://portal.example.org")

    assert "Access-Control-Allow-Origin" not in r


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=["https://portal.example.org"])
def test_cors_preflight_for_an_allowed_origin_succeeds(client):
    r = client.options(
        "/api/v1/auth/login/",
        HTTP_ORIGIN="https://portal.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert r.status_code == 200
    assert r["Access-Control-Allow-Origin"] == "https://portal.example.org"


@pytest.mark.django_db
def test_an_unknown_api_url_answers_json_404(client):
    r = client.get("/api/v1/alerts/not-a-number/acknowledge/")

    assert r.status_code == 404
    assert r["Content-Type"] == "application/json"
    assert r.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_an_oversized_api_body_is_refused_and_nothing_stored(client):
    from django.test import override_settings

    from programs.models import WalkLog

    patient = PatientFactory()
    client.force_login(patient.user)
    body = '{"note": "' + "x" * 2048 + '"}'

    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        r = client.post("/api/v1/me/walks/", body, content_type="application/json")

    assert r.status_code == 400
    assert not WalkLog.objects.filter(patient=patient).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{not json", "application/json"), ("<xml/>", "application/xml")],
)
def test_malformed_or_foreign_bodies_get_a_clear_4xx(client, body, content_type):
    patient = PatientFactory()
    client.force_login(patient.user)

    r = client.post("/api/v1/me/pain/", body, content_type=content_type)

    assert r.status_code in (400, 415)
    assert set(r.json()) & {"detail", "non_field_errors"}
    assert not patient.pain_checkins.exists()


@pytest.mark.django_db
def test_malformed_json_gets_the_documented_400_shape(client):
    patient = PatientFactory()
    client.force_login(patient.user)

    r = client.post("/api/v1/me/pain/", "\x00", content_type="application/json")

    assert r.status_code == 400
    assert list(r.json()) == ["non_field_errors"]
    assert "JSON parse error" in r.json()["non_field_errors"][0]
