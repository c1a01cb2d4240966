"""A worker SIGKILLed in the middle of the weekly reports: every report and email exactly once."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from clinic.celery import app
from clinic.models import WeeklyReport
from clinic.services import weekly_reports_enqueue_due
from tests.factories import TherapistFactory
from tests.faults.services import (
    broker_at,
    database_url_for_subprocess,
    require_postgresql_test_db,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

THERAPISTS = 4
VISIBILITY_TIMEOUT = 10  # seconds; the worker's task hard limit is below it
WAIT_SECONDS = 120


def start_worker(redis_url: str, mail_dir: Path, log_path: Path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_TASK_SOFT_TIME_LIMIT": "7",
        "CELERY_TASK_TIME_LIMIT": "8",
        "WALKRX_TEST_EMAIL_DIR": str(mail_dir),
        "EMAIL_BACKEND": "tests.faults.slow_email.SlowFileEmailBackend",
        "WALKRX_TEST_EMAIL_DELAY": "2",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "clinic", "worker", "--pool=solo",
        "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        f"--hostname={name}-{os.getpid()}@%h",
    ]  # fmt: skip
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )


def wait_for(condition, worker: subprocess.Popen, log_path: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(f"The worker exited ({worker.returncode}):\n{log_path.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"Timed out waiting for {what}. Worker log:\n{log_path.read_text()}")


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.kill()
        worker.wait(timeout=10)


def emails_sent_to(mail_dir: Path) -> list[str]:
    return sorted(
        email.message_from_bytes(path.read_bytes())["To"] for path in mail_dir.glob("sent-*.eml")
    )


def test_a_worker_killed_mid_send_leaves_every_report_and_email_exactly_once(own_redis, tmp_path):
    require_postgresql_test_db()
    assert app.conf.task_acks_late
    assert app.conf.task_reject_on_worker_lost
    therapists = [
        TherapistFactory(next_report_at=timezone.now() - timedelta(hours=1))
        for _ in range(THERAPISTS)
    ]
    mail_dir, log_path = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    with broker_at(own_redis.url):
        assert weekly_reports_enqueue_due() == THERAPISTS  # published after commit

    first = start_worker(own_redis.url, mail_dir, log_path, "first")
    second = None
    try:
        # Kill it once one email has gone out and the next one is being sent.
        wait_for(
            lambda: (
                len(list(mail_dir.glob("sent-*"))) >= 1
                and len(list(mail_dir.glob("sending-*"))) > len(list(mail_dir.glob("sent-*")))
            ),
            first,
            log_path,
            "the first worker to be in the middle of an email",
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_while_sending = len(list(mail_dir.glob("sending-*")))

        second = start_worker(own_redis.url, mail_dir, log_path, "second")
        wait_for(
            lambda: (
                WeeklyReport.objects.filter(sent_at__isnull=False).count() == THERAPISTS
                and own_redis.cli_output("llen", "celery") == "0"
                and own_redis.cli_output("hlen", "unacked") == "0"
            ),
            second,
            log_path,
            "every report to be sent and the queue to be empty",
        )
    finally:
        stop(first)
        if second is not None:
            stop(second)

    assert killed_while_sending >= 2
    assert WeeklyReport.objects.count() == THERAPISTS
    assert emails_sent_to(mail_dir) == sorted(t.user.email for t in therapists)
    assert not WeeklyReport.objects.filter(send_claimed_at__isnull=False).exists()
