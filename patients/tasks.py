from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError, ConnectionError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def notify_red_flag_alert(alert_id: int) -> bool:
    """Email the therapist about a red-flag alert. Idempotent: claims Alert.notified_at."""
    from patients.services import red_flag_alert_notify

    return red_flag_alert_notify(alert_id=alert_id)


@shared_task(
    autoretry_for=(OperationalError, ConnectionError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_patient_invitation(patient_id: int, site_url: str) -> bool:
    """Email a new patient their set-password link.

    Not strictly idempotent: a retry after a sent email sends a second, equally valid link.
    """
    from patients.services import patient_invitation_email

    return patient_invitation_email(patient_id=patient_id, site_url=site_url)
