from __future__ import annotations

from datetime import UTC, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from patients.models import Alert
from programs import tasks, watch
from programs.models import CheckRun
from tests.factories import PatientFactory
from tests.programs.watch_helpers import DAY, NOW, program_for, walk_days

pytestmark = pytest.mark.django_db


def test_check_adherence_enqueues_one_chunk_task_per_chunk_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(watch, "CHUNK_SIZE", 2)
    PatientFactory.create_batch(5)
    PatientFactory(status="discharged")
    queued = []
    monkeypatch.setattr(
        tasks.check_adherence_chunk,
        "apply_async",
        lambda args, kwargs=None, **options: queued.append(tuple(args)),
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        chunks = tasks.check_adherence()

    # One after-commit publish of the three outbox rows.
    assert (chunks, len(callbacks)) == (3, 1)
    assert [len(ids) for ids, _, _ in queued] == [2, 2, 1]


def test_chunk_tasks_delegate_to_the_checks_for_the_given_day():
    program = program_for()
    ids = [program.patient_id]

    tasks.check_adherence_chunk(ids, DAY.isoformat(), NOW.isoformat())
    tasks.check_pain_trends_chunk(ids, DAY.isoformat(), NOW.isoformat())
    tasks.progress_programs_chunk(ids, None, NOW.isoformat())

    assert set(CheckRun.objects.values_list("kind", "day")) == {
        (CheckRun.Kind.ADHERENCE, DAY),
        (CheckRun.Kind.PAIN, DAY),
        (CheckRun.Kind.PROGRESSION, DAY),  # NOW is the day after DAY in London
    }
    assert Alert.objects.filter(kind=Alert.Kind.MISSED_SESSIONS).exists()


def test_tasks_retry_database_errors_late_with_backoff_and_time_limits():
    for task in (tasks.check_adherence, tasks.check_adherence_chunk, tasks.send_alert_digests):
        assert task.acks_late is True
        assert task.retry_backoff is True
        assert task.time_limit > task.soft_time_limit > 0


def test_run_checks_opens_alerts_for_the_given_day_and_mails_the_digest():
    drifting = program_for()
    adherent = program_for()
    walk_days(adherent.patient, range(7))

    call_command("run_checks", "--date", DAY.isoformat())

    assert set(Alert.objects.values_list("patient_id", flat=True)) == {drifting.patient_id}
    assert len(mail.outbox) == 1


def test_run_checks_twice_for_a_day_changes_nothing_more():
    program = program_for()
    call_command("run_checks", "--date", DAY.isoformat())
    before = list(program.target_changes.values_list("id", flat=True))

    call_command("run_checks", "--date", DAY.isoformat())

    assert list(program.target_changes.values_list("id", flat=True)) == before
    assert Alert.objects.count() == 2
    assert len(mail.outbox) == 1


def test_run_checks_backfills_an_earlier_day():
    program = program_for()
    walk_days(program.patient, range(7))

    call_command("run_checks", "--date", (DAY - timedelta(days=20)).isoformat(), "--no-email")

    assert CheckRun.objects.filter(day=DAY - timedelta(days=20)).count() == 3


def test_run_checks_skips_a_day_before_the_last_one_checked():
    program = program_for()
    call_command("run_checks", "--date", DAY.isoformat(), "--no-email")
    out = StringIO()

    earlier = (DAY - timedelta(days=3)).isoformat()
    call_command("run_checks", "--date", earlier, "--no-email", stdout=out)

    for check in ("adherence", "pain", "progression"):
        assert f"{check}: 0 checked" in out.getvalue()
    assert set(CheckRun.objects.filter(patient=program.patient).values_list("day", flat=True)) == {
        DAY
    }


def test_run_checks_refuses_a_day_that_has_not_ended_anywhere():
    program_for()
    tomorrow = timezone.now().astimezone(UTC).date() + timedelta(days=1)

    with pytest.raises(CommandError, match="has not ended yet"):
        call_command("run_checks", "--date", tomorrow.isoformat(), "--no-email")

    assert not CheckRun.objects.exists()


def test_run_checks_takes_todays_date_in_utc():
    today = timezone.now().astimezone(UTC).date()

    call_command("run_checks", "--date", today.isoformat(), "--no-email", stdout=StringIO())


@pytest.mark.parametrize("value", ["2026-02-30", "yesterday", "20/11/2026"])
def test_run_checks_rejects_a_bad_date(value):
    with pytest.raises(CommandError, match="--date"):
        call_command("run_checks", "--date", value)
