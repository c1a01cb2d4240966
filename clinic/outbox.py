"""A transactional outbox for Celery tasks: no task is lost while the broker is down.

``enqueue_on_commit(task, *args)`` writes an OutboxMessage in the caller's transaction
(so a rolled-back change enqueues nothing) and, once that transaction commits, tries to
publish it at once. The publish never waits on a dead broker (``retry=False`` and the
transport's ``max_retries: 0``, see settings), so a patient's request still answers
quickly; the row then stays pending and ``outbox_relay`` (the ``relay_outbox`` beat task
every minute, or ``manage.py relay_outbox``) publishes it when the broker is back.

Publishing claims rows with SELECT ... FOR UPDATE SKIP LOCKED, so two relays (or a relay
and an after-commit publish) never publish the same row. A crash between the publish and
the commit that marks it sent can publish a row twice: every task is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinic.models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
KEEP_SENT = timedelta(days=7)


def enqueue_on_commit(task, *args, **kwargs) -> OutboxMessage:
    """Store ``task(*args, **kwargs)`` in the outbox now; publish it after the commit."""
    message = OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(partial(_publish_after_commit, [message.id]))
    return message


def enqueue_many_on_commit(task, calls: Iterable[Sequence]) -> list[OutboxMessage]:
    """Store one ``task(*args)`` per item of ``calls`` in one INSERT; publish after commit."""
    messages = OutboxMessage.objects.bulk_create(
        [OutboxMessage(task_name=task.name, args=list(args), kwargs={}) for args in calls]
    )
    if messages:
        transaction.on_commit(partial(_publish_after_commit, [m.id for m in messages]))
    return messages


def _publish_after_commit(ids: list[int]) -> None:
    outbox_publish(ids=ids)


def outbox_publish(*, ids: Sequence[int] | None = None, limit: int = BATCH_SIZE) -> int:
    """Publish pending messages (``ids`` only, if given). Returns the number published.

    Stops at the first failure (the broker is down: the rest would fail too) and records
    the error on that row; it stays pending for the relay.
    """
    from clinic.celery import app

    now = timezone.now()
    published: list[int] = []
    with transaction.atomic():
        pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            sent_at__isnull=True
        )
        if ids is not None:
            pending = pending.filter(id__in=list(ids))
        for message in pending.order_by("id")[:limit]:
            try:
                _publish(app, message)
            except Exception as exc:
                logger.warning("Outbox message %s not published: %s", message.id, exc)
                OutboxMessage.objects.filter(id=message.id).update(
                    attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
                break
            published.append(message.id)
        if published:
            OutboxMessage.objects.filter(id__in=published).update(
                sent_at=now, attempts=F("attempts") + 1, last_error=""
            )
    return len(published)


def _publish(app, message: OutboxMessage) -> None:
    task = app.tasks[message.task_name]
    options = {"task_id": f"outbox-{message.id}", "retry": False}
    if app.conf.task_always_eager:
        # The task runs here and now: keep its failure from breaking our transaction.
        with transaction.atomic():
            task.apply_async(message.args, message.kwargs, **options)
    else:
        task.apply_async(message.args, message.kwargs, **options)


def outbox_relay(*, now: datetime | None = None) -> int:
    """Publish every pending message, batch by batch; drop sent ones older than a week.

    Returns the number published.
    """
    now = now or timezone.now()
    total = 0
    while True:
        published = outbox_publish()
        total += published
        if published < BATCH_SIZE:
            break
    OutboxMessage.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    return total


def outbox_pending_count() -> int:
    """How many messages wait for the broker."""
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()
