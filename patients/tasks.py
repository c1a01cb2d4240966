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
