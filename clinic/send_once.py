"""Send an email once per row, surviving a worker killed in the middle of it.

A row with ``sent_at`` and ``send_claimed_at`` is claimed by a conditional UPDATE (a lease),
the email goes out, then ``sent_at`` is set. A worker killed mid-send leaves a lease that
expires after the task hard time limit (by then that worker is surely gone) and the
redelivered task sends. Claiming ``sent_at`` itself before sending would lose the email.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db.models import Model, Q


class SendInProgressError(Exception):
    """Another worker holds the row's send lease; try again in ``retry_in`` seconds."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"Being sent by another worker; retry in {retry_in:.0f}s.")
        self.retry_in = retry_in


def send_lease() -> timedelta:
    """How long a send claim lasts: the task hard time limit, after which its worker is gone."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def send_once(
    row: Model, send: Callable[[], object], *, now: datetime, force: bool = False
) -> bool:
    """Call ``send`` unless the row was sent already. Returns whether it was called.

    Raises SendInProgressError while another worker's lease is live. If ``send`` fails the
    lease is released, so a retry can send. ``force`` sends a row that went out already.
    """
    rows = type(row)._default_manager.filter(pk=row.pk)
    if not force:
        rows = rows.filter(sent_at__isnull=True)
    lease = send_lease()
    free = Q(send_claimed_at__isnull=True) | Q(send_claimed_at__lt=now - lease)
    if rows.filter(free).update(send_claimed_at=now) != 1:
        held = rows.values_list("send_claimed_at", flat=True).first()
        if held is None:
            return False  # sent already
        raise SendInProgressError(max((held + lease - now).total_seconds(), 1.0))
    mine = type(row)._default_manager.filter(pk=row.pk, send_claimed_at=now)
    try:
        send()
    except Exception:
        mine.update(send_claimed_at=None)
        raise
    mine.update(sent_at=now, send_claimed_at=None)
    row.sent_at = now
    return True


def message_id(kind: str, pk: int) -> str:
    """A stable Message-ID, so a mail server or client can drop the copy a crash resent."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "walkrx.local"
    return f"<walkrx-{kind}-{pk}@{domain}>"
