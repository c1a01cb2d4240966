"""The daily watch, as Celery tasks: thin wrappers over programs.watch.

Beat (django-celery-beat, schedule in the database) ticks each check hourly. The tick
fans out one small task per chunk of patient ids; each chunk evaluates every patient's
most recently ended local day once (CheckRun, forward only), so re-runs and retries
change nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from clinic.outbox import enqueue_many_on_commit
from programs import watch
from programs.caseload import caseload_sort_keys_refresh
from programs.services import booster_prompt_email

# Transient database trouble is retried with exponential backoff; every task is
# idempotent, which is what makes acks_late (redelivery after a lost worker) safe.
RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
    "soft_time_limit": 300,
    "time_limit": 360,
}


def _fan_out(chunk_task, day: str | None) -> int:
    """Enqueue one chunk task per CHUNK_SIZE active patients, after commit."""
    now = timezone.now().isoformat()
    chunks = list(watch.chunked(watch.watch_patient_ids()))
    with transaction.atomic():
        enqueue_many_on_commit(chunk_task, ((ids, day, now) for ids in chunks))
    return len(chunks)


def _args(day: str | None, now: str) -> dict:
    return {
        "day": date.fromisoformat(day) if day else None,
        "now": datetime.fromisoformat(now),
    }


@shared_task(**RETRY)
def check_adherence(day: str | None = None) -> int:
    """Fan out the adherence check (missed sessions, low adherence). Returns chunks queued."""
    return _fan_out(check_adherence_chunk, day)


@shared_task(**RETRY)
def check_adherence_chunk(patient_ids: list[int], day: str | None, now: str) -> int:
    """Adherence alerts for one chunk; idempotent per patient and day, forward only.
    Returns patients checked."""
    return watch.adherence_check(patient_ids=patient_ids, **_args(day, now)).checked


@shared_task(**RETRY)
def check_pain_trends(day: str | None = None) -> int:
    """Fan out the pain check (pain rising, flare-ups, responses). Returns chunks queued."""
    return _fan_out(check_pain_trends_chunk, day)


@shared_task(**RETRY)
def check_pain_trends_chunk(patient_ids: list[int], day: str | None, now: str) -> int:
    """Pain alerts for one chunk; idempotent per patient and day, forward only.
    Returns patients checked."""
    return watch.pain_check(patient_ids=patient_ids, **_args(day, now)).checked


@shared_task(**RETRY)
def progress_programs(day: str | None = None) -> int:
    """Fan out pain-guided progression. Returns chunks queued."""
    return _fan_out(progress_programs_chunk, day)


@shared_task(**RETRY)
def progress_programs_chunk(patient_ids: list[int], day: str | None, now: str) -> int:
    """Progression for one chunk; idempotent per patient and day, forward only.
    Returns history rows written."""
    return watch.progression_check(patient_ids=patient_ids, **_args(day, now)).changes


@shared_task(**{**RETRY, "autoretry_for": (DatabaseError, OSError)})
def send_alert_digests() -> int:
    """One email per therapist with the alerts not yet mailed (exactly once). Returns emails."""
    return watch.alert_digests_send()


@shared_task(**RETRY)
def check_maintenance(day: str | None = None) -> int:
    """Fan out the maintenance check (phase transitions, booster prompts). Returns chunks."""
    return _fan_out(check_maintenance_chunk, day)


@shared_task(**RETRY)
def check_maintenance_chunk(patient_ids: list[int], day: str | None, now: str) -> int:
    """Start due maintenance phases, then open booster prompts; idempotent. Returns prompts."""
    args = _args(day, now)
    watch.maintenance_start_check(patient_ids=patient_ids, **args)
    boosters = watch.booster_check(patient_ids=patient_ids, **args).boosters or []
    with transaction.atomic():
        enqueue_many_on_commit(send_booster_email, ((prompt_id,) for prompt_id in boosters))
    return len(boosters)


@shared_task(**RETRY)
def refresh_caseload_sort_keys() -> int:
    """Recompute the stored caseload sort keys that writes or a new day made stale.

    Idempotent: a run with nothing stale changes nothing. Returns the rows recomputed.
    """
    return caseload_sort_keys_refresh()


@shared_task(**{**RETRY, "autoretry_for": (DatabaseError, OSError)})
def send_booster_email(prompt_id: int) -> bool:
    """Email one booster prompt to its patient, exactly once (a claim). Returns whether sent."""
    return booster_prompt_email(prompt_id=prompt_id)
