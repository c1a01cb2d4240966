"""The docker/ files, checked without a Docker engine: compose wiring, env names, paths."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
APP_SERVICES = ("web", "worker", "beat")
REQUIRED = {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS"}
# Read by docker/entrypoint.sh rather than settings.
ENTRYPOINT_VARIABLES = {"ROLE"}


def _compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


def _env_file_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    return names


def _settings_names() -> set[str]:
    """Every environment variable clinic/settings.py reads through django-environ."""
    source = (ROOT / "clinic" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.[a-z_]+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def _app_environment(service: dict) -> set[str]:
    names = set(service.get("environment", {}))
    for env_file in service.get("env_file", []):
        names |= _env_file_names(DOCKER / f"{env_file}.example")
    return names


def _dockerfile_instruction(name: str) -> list[str]:
    lines = (DOCKER / "Dockerfile").read_text().splitlines()
    found = [line.split(None, 1)[1] for line in lines if line.startswith(f"{name} ")]
    assert len(found) == 1, f"one {name} expected"
    return json.loads(found[0])


def test_settings_names_are_parsed():
    # Guards the parser itself: a broken regex would make the checks below vacuous.
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL", "WALKRX_MISSED_DAYS"} <= (
        _settings_names()
    )


def test_compose_has_every_service_with_its_command():
    services = _compose()["services"]

    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert services["web"]["command"][:2] == ["gunicorn", "clinic.wsgi"]
    assert services["worker"]["command"] == ["celery", "-A", "clinic", "worker", "-l", "INFO"]
    assert services["beat"]["command"] == ["celery", "-A", "clinic", "beat", "-l", "INFO"]


def test_compose_runs_exactly_one_beat():
    assert _compose()["services"]["beat"]["deploy"]["replicas"] == 1


def test_compose_backing_services_have_health_checks():
    services = _compose()["services"]

    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/admin/login/" in " ".join(services["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_wait_for_healthy_backing_services(name):
    depends_on = _compose()["services"][name]["depends_on"]

    assert depends_on["postgres"] == {"condition": "service_healthy"}
    assert depends_on["redis"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_compose_workers_start_after_web_has_migrated(name):
    service = _compose()["services"][name]

    assert service["depends_on"]["web"] == {"condition": "service_healthy"}
    assert service["environment"]["ROLE"] != "web"


def test_compose_only_web_migrates():
    services = _compose()["services"]
    assert [n for n in APP_SERVICES if services[n]["environment"].get("ROLE") == "web"] == ["web"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_use_postgres_and_redis(name):
    environment = _compose()["services"][name]["environment"]

    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    # Compose refuses to start without a SECRET_KEY.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_sets_only_variables_the_app_reads(name):
    names = _app_environment(_compose()["services"][name])

    unknown = names - _settings_names() - ENTRYPOINT_VARIABLES
    assert not unknown, f"set but never read by clinic/settings.py: {sorted(unknown)}"
    assert names >= REQUIRED


def test_entrypoint_variables_are_read_by_the_entrypoint():
    script = (DOCKER / "entrypoint.sh").read_text()
    for name in ENTRYPOINT_VARIABLES:
        assert f"${{{name}" in script


def test_root_env_example_lists_only_variables_settings_reads():
    names = _env_file_names(ROOT / ".env.example")
    assert names <= _settings_names()


def test_compose_build_points_at_the_dockerfile():
    build = _compose()["x-app"]["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == DOCKER / "Dockerfile"


def test_dockerfile_entrypoint_and_command_reference_existing_files():
    entrypoint = _dockerfile_instruction("ENTRYPOINT")
    command = _dockerfile_instruction("CMD")

    assert entrypoint == ["/app/docker/entrypoint.sh"]
    script = ROOT / Path(entrypoint[0]).relative_to("/app")
    assert script.is_file()
    assert os.access(script, os.X_OK)
    assert command[:2] == ["gunicorn", "clinic.wsgi"]
    assert (ROOT / "clinic" / "wsgi.py").is_file()


def test_dockerfile_is_multi_stage_non_root_and_collects_static():
    text = (DOCKER / "Dockerfile").read_text()

    assert len(re.findall(r"^FROM python:3\.11-slim AS \w+$", text, re.M)) == 2
    assert "pip install -c constraints.txt" in text
    assert re.search(r"^USER walkrx$", text, re.M)
    assert "SECRET_KEY=collectstatic-build-only-dummy-key python manage.py collectstatic" in text
    for source in re.findall(r"^COPY (?!--from)(.+) \./$", text, re.M):
        for name in source.split():
            assert (ROOT / name).exists(), name


def _entrypoint(tmp_path: Path, role: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'entrypoint.sqlite3'}",
        "SECRET_KEY": "entrypoint-test-key",
        "ROLE": role,
    }
    return subprocess.run(  # noqa: S603 - our own script
        ["/bin/sh", str(DOCKER / "entrypoint.sh"), "echo", "command-ran"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_entrypoint_migrates_for_web_then_runs_the_command(tmp_path):
    result = _entrypoint(tmp_path, "web")

    assert result.returncode == 0, result.stderr
    assert "Applying clinic.0001_initial" in result.stdout
    assert result.stdout.rstrip().endswith("command-ran")


def test_entrypoint_does_not_migrate_for_workers(tmp_path):
    result = _entrypoint(tmp_path, "worker")

    assert result.returncode == 0, result.stderr
    assert "Applying" not in result.stdout
    assert result.stdout.strip() == "command-ran"
