"""Redis stopped: patients still log walks, pain and screens; the work runs once it is back."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clinic.celery import app
from clinic.models import OutboxMessage
from clinic.outbox import outbox_relay
from patients.models import Alert, PainCheckIn, RedFlagScreen
from patients.redflags import QUESTION_KEYS
from programs.models import WalkLog
from tests.api.conftest import client_for
from tests.api.test_walks import walk_body
from tests.factories import PatientFactory
from tests.faults.services import broker_at, queued_messages

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

SCREEN = {key: key == "weight_loss" for key in QUESTION_KEYS}  # one red flag


def run_queued(redis_url: str) -> list[tuple[str, list, dict]]:
    """Take the queued messages off Redis and run each, as a worker would."""
    messages = queued_messages(redis_url)
    for task_name, args, kwargs in messages:
        result = app.tasks[task_name].apply(args=args, kwargs=kwargs, throw=True)
        assert result.successful()
    return messages


def post_timed(client, url: str, body: dict) -> tuple[int, float]:
    started = time.perf_counter()
    response = client.post(url, body, format="json")
    return response.status_code, time.perf_counter() - started


def test_with_redis_down_patients_log_quickly_and_the_work_runs_once_it_is_back(own_redis):
    walker = PatientFactory()
    screened = PatientFactory.create_batch(6)
    today = timezone.localdate()
    warm = PatientFactory()
    with broker_at(own_redis.url):
        # A running server: its code paths are loaded and its broker connection is pooled.
        post_timed(client_for(warm.user), "/api/v1/me/screening/", SCREEN)
        run_queued(own_redis.url)
        assert len(mail.outbox) == 1

        own_redis.stop()
        results = [
            post_timed(client_for(walker.user), "/api/v1/me/walks/", walk_body(steps=1000 + i))
            for i in range(8)
        ]
        results += [
            post_timed(
                client_for(walker.user),
                "/api/v1/me/pain/",
                {"date": (today - timedelta(days=i)).isoformat(), "score": 4},
            )
            for i in range(6)
        ]
        results += [
            post_timed(client_for(p.user), "/api/v1/me/screening/", SCREEN) for p in screened
        ]

        statuses = [status for status, _ in results]
        latencies = sorted(seconds for _, seconds in results)
        p95 = latencies[int(0.95 * len(latencies)) - 1]
        assert statuses == [201] * 20
        assert p95 < 0.5, f"p95 {p95:.3f}s; latencies {latencies}"
        assert (WalkLog.objects.count(), PainCheckIn.objects.count()) == (8, 6)
        assert RedFlagScreen.objects.exclude(patient=warm).filter(positive=True).count() == 6
        pending = OutboxMessage.objects.filter(sent_at__isnull=True)
        assert pending.count() == 6
        assert all(m.attempts == 1 and "OperationalError" in m.last_error for m in pending)
        assert len(mail.outbox) == 1  # the warm-up's only

        own_redis.start()
        assert outbox_relay() == 6
        assert outbox_relay() == 0  # nothing is published twice

        messages = run_queued(own_redis.url)
        assert sorted(args[0] for _, args, _ in messages) == sorted(
            Alert.objects.filter(kind=Alert.Kind.RED_FLAG)
            .exclude(patient=warm)
            .values_list("id", flat=True)
        )

    assert {m[0] for m in messages} == {"patients.tasks.notify_red_flag_alert"}
    assert sorted(e.subject for e in mail.outbox[1:]) == sorted(
        f"[WalkRx] URGENT: red flag reported by {p.display_name}" for p in screened
    )
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_a_publish_to_a_dead_broker_fails_fast_and_leaves_the_message_pending(own_redis):
    from patients.tasks import notify_red_flag_alert

    with broker_at(own_redis.url):
        own_redis.stop()
        message = OutboxMessage.objects.create(
            task_name=notify_red_flag_alert.name, args=[123], kwargs={}
        )
        started = time.perf_counter()
        published = [outbox_relay() for _ in range(5)]
        per_publish = (time.perf_counter() - started) / 5

    assert published == [0] * 5
    assert per_publish < 0.25, f"{per_publish:.3f}s per failed publish"
    message.refresh_from_db()
    assert (message.sent_at, message.attempts) == (None, 5)
