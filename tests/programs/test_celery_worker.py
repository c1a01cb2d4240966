"""A real Celery worker against the real broker runs the daily watch end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.db import connection

from clinic.celery import app
from patients.models import Alert
from programs import tasks
from tests.factories import PatientFactory
from tests.programs.watch_helpers import DAY, checkins, program_for, walk_days

pytestmark = pytest.mark.celery_worker

WAIT_SECONDS = 90


def database_url_for_worker() -> str:
    """The URL of the test database this process uses, for the worker's environment."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail(
            "The worker test needs a database another process can see: run it with "
            "DATABASE_URL=postgres://... (pytest-django then uses test_<name>)."
        )
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def start_worker(log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url_for_worker(), "CONN_MAX_AGE": "0"}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "clinic",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=walkrx-test-{os.getpid()}@%h",
    ]
    with log_path.open("wb") as log:
        return subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )


def wait_for(condition, worker: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(f"The worker exited ({worker.returncode}):\n{log_path.read_text()}")
        time.sleep(0.5)
    pytest.fail(f"Timed out after {WAIT_SECONDS}s. Worker log:\n{log_path.read_text()}")


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


def test_a_real_worker_runs_the_checks_and_the_alerts_appear(transactional_db, tmp_path):
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        pytest.skip("CELERY_BROKER_URL is not a redis:// URL: no broker for a real worker.")
    drifting = program_for()  # no walks for four weeks
    adherent = program_for()
    walk_days(adherent.patient, range(7))
    flaring = PatientFactory(baseline_pain=4)
    checkins(flaring, {1: 7}, flare_up=True)
    # Through the broker, not in-process (main's conftest makes tasks eager by default).
    app.conf.task_always_eager = False
    log_path = tmp_path / "worker.log"
    worker = start_worker(log_path)
    try:
        results = [
            tasks.check_adherence.delay(DAY.isoformat()),
            tasks.check_pain_trends.delay(DAY.isoformat()),
        ]
        assert not any(isinstance(r, EagerResult) for r in results)

        expected = {
            (drifting.patient_id, Alert.Kind.MISSED_SESSIONS),
            (drifting.patient_id, Alert.Kind.LOW_ADHERENCE),
            (flaring.id, Alert.Kind.FLARE_UP),
        }
        wait_for(
            lambda: expected <= set(Alert.objects.values_list("patient_id", "kind")),
            worker,
            log_path,
        )
        tasks.send_alert_digests.delay()
        wait_for(
            lambda: not Alert.objects.filter(notified_at__isnull=True).exists(),
            worker,
            log_path,
        )
    finally:
        stop_worker(worker)

    assert not Alert.objects.filter(patient=adherent.patient).exists()
    assert Alert.objects.filter(patient=flaring, kind=Alert.Kind.PAIN_RISING).exists()
