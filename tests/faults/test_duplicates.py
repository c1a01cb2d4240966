"""Beat ticks delivered twice or by two beats, concurrent retries: nothing happens twice."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from clinic import outbox, tasks
from clinic.models import OutboxMessage, WeeklyReport
from patients.models import Alert
from programs import tasks as watch_tasks
from programs import watch
from programs.models import CheckRun, WalkLog
from tests.api.conftest import client_for
from tests.api.test_walks import walk_body
from tests.factories import PatientFactory, TherapistFactory
from tests.faults.services import require_postgresql_test_db
from tests.programs.watch_helpers import DAY, NOW, program_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def run_concurrently(*calls):
    """Run each call in its own thread (own database connection), started together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    return results


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql_test_db()


def test_two_beats_ticking_the_weekly_reports_at_once_send_each_report_once():
    therapists = [
        TherapistFactory(next_report_at=timezone.now() - timedelta(hours=1)) for _ in range(3)
    ]

    enqueued = run_concurrently(tasks.send_due_weekly_reports, tasks.send_due_weekly_reports)
    again = tasks.send_due_weekly_reports()  # the same tick delivered a third time

    assert sorted(enqueued) == [0, 3]
    assert again == 0
    assert OutboxMessage.objects.count() == 3
    assert WeeklyReport.objects.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(t.user.email for t in therapists)


def test_the_same_daily_watch_tick_twice_at_once_opens_each_alert_once():
    drifting = [program_for() for _ in range(3)]  # no walks: missed sessions, low adherence

    run_concurrently(
        lambda: watch_tasks.check_adherence(DAY.isoformat()),
        lambda: watch_tasks.check_adherence(DAY.isoformat()),
    )
    digests = run_concurrently(watch_tasks.send_alert_digests, watch_tasks.send_alert_digests)

    alerts = list(Alert.objects.values_list("patient_id", "kind"))
    assert len(alerts) == len(set(alerts)) == 6
    assert {p for p, _ in alerts} == {p.patient_id for p in drifting}
    assert CheckRun.objects.filter(kind=CheckRun.Kind.ADHERENCE).count() == 3
    assert sum(digests) == len(mail.outbox) == len({p.patient.therapist_id for p in drifting})


def test_two_runs_moving_the_claims_to_the_next_day_at_once_check_each_patient_once():
    drifting = [program_for() for _ in range(3)]
    ids = [p.patient_id for p in drifting]
    watch.adherence_check(patient_ids=ids, day=DAY - timedelta(days=1), now=NOW)

    results = run_concurrently(
        lambda: watch.adherence_check(patient_ids=ids, day=DAY, now=NOW),
        lambda: watch.adherence_check(patient_ids=ids, day=DAY, now=NOW),
    )

    assert sum(r.checked for r in results) == 3
    assert set(CheckRun.objects.values_list("patient_id", "day")) == {(i, DAY) for i in ids}
    alerts = list(Alert.objects.values_list("patient_id", "kind"))
    assert len(alerts) == len(set(alerts)) == 6


def test_a_tick_finding_its_patients_claimed_for_the_day_touches_no_claim_row():
    ids = [program_for().patient_id for _ in range(3)]
    watch.adherence_check(patient_ids=ids, day=DAY, now=NOW)
    holder = connection.copy()
    holder.set_autocommit(False)
    with holder.cursor() as cursor:  # another session holds every claim row
        cursor.execute(f"SELECT 1 FROM {CheckRun._meta.db_table} FOR UPDATE")  # noqa: S608
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a locked row would fail, not wait

        again = watch.adherence_check(patient_ids=ids, day=DAY, now=NOW)
    finally:
        holder.rollback()
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert again.checked == 0


def test_two_relays_at_once_publish_each_message_once(monkeypatch):
    published: list[int] = []

    def slow_publish(app, message):
        time.sleep(0.01)
        published.append(message.id)

    monkeypatch.setattr(outbox, "_publish", slow_publish)
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(task_name="clinic.tasks.relay_outbox") for _ in range(40)]
    )

    counts = run_concurrently(outbox.outbox_relay, outbox.outbox_relay)

    assert sum(counts) == 40
    assert sorted(published) == sorted(OutboxMessage.objects.values_list("id", flat=True))
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_two_retries_with_one_idempotency_key_at_once_log_one_walk():
    patient = PatientFactory()
    body = walk_body()

    def post():
        response = client_for(patient.user).post(
            "/api/v1/me/walks/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1"
        )
        return response.status_code, response.json()

    (first_status, first), (second_status, second) = run_concurrently(post, post)

    assert (first_status, second_status) == (201, 201)
    assert first == second
    assert WalkLog.objects.count() == 1


def test_a_rolled_back_transaction_enqueues_nothing():
    from patients.redflags import QUESTION_KEYS
    from patients.services import red_flag_screen_record

    patient = PatientFactory()
    answers = {key: key == "weight_loss" for key in QUESTION_KEYS}

    def failing_request():
        with transaction.atomic():
            red_flag_screen_record(patient=patient, answers=answers)
            raise RuntimeError("the request failed after the screen was recorded")

    with pytest.raises(RuntimeError):
        failing_request()

    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []
    assert not Alert.objects.exists()
