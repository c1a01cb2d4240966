"""Celery tasks for weekly reports: thin wrappers that fetch and call a service."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import OperationalError


@shared_task
def send_due_weekly_reports() -> int:
    """Hourly beat: enqueue the report of every therapist whose Monday 07:00 has come.

    Idempotent: each therapist is claimed by a conditional UPDATE of next_report_at.
    """
    from clinic.services import weekly_reports_enqueue_due

    return weekly_reports_enqueue_due()


@shared_task(
    bind=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_weekly_report(self, therapist_id: int, week_start: str) -> None:
    """Build and email one therapist's report for one week.

    Idempotent: the report is unique per (therapist, week_start) and its email is
    leased, sent, then marked sent; a retry after a failed send sends it, and a task
    redelivered while another worker's lease is live retries when it expires.
    """
    from clinic.models import Therapist
    from clinic.send_once import SendInProgressError
    from clinic.services import weekly_report_deliver

    therapist = Therapist.objects.select_related("clinic", "user").get(id=therapist_id)
    try:
        weekly_report_deliver(therapist=therapist, week_start=date.fromisoformat(week_start))
    except SendInProgressError as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task(
    bind=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_patient_weekly_summary(self, patient_id: int, week_start: str) -> None:
    """Email one opted-in patient their weekly summary.

    Idempotent: PatientSummaryEmail is unique per (patient, week) and its email is leased,
    sent, then marked sent, as the therapists' reports are.
    """
    from clinic.send_once import SendInProgressError
    from clinic.services import patient_summary_send
    from patients.models import Patient

    patient = Patient.objects.select_related("user", "clinic").get(id=patient_id)
    try:
        patient_summary_send(patient=patient, week_start=date.fromisoformat(week_start))
    except SendInProgressError as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task
def prune_audit_events() -> int:
    """Daily beat: delete audit events older than AUDIT_RETENTION_DAYS.

    Idempotent: a second run the same day finds nothing older than the cutoff.
    """
    from clinic.audit import audit_prune

    return audit_prune()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def relay_outbox() -> int:
    """Every minute (beat): publish the outbox messages the broker missed. Returns how many.

    Idempotent: rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED and marked sent.
    """
    from clinic.outbox import outbox_relay

    return outbox_relay()


@shared_task
def prune_api_tokens() -> int:
    """Daily beat: delete API tokens expired or revoked more than 30 days ago.

    Idempotent: a second run the same day finds nothing past the cutoff.
    """
    from clinic.api.tokens import api_tokens_prune

    return api_tokens_prune()
