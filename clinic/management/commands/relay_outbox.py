"""Publish the outbox's pending tasks now: `manage.py relay_outbox`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from clinic.outbox import outbox_pending_count, outbox_relay


class Command(BaseCommand):
    help = (
        "Publish the Celery tasks that were stored in the outbox while the broker was "
        "unreachable (the relay_outbox beat task does this every minute)."
    )

    def handle(self, *args, **options) -> None:
        published = outbox_relay()
        self.stdout.write(f"published: {published}, still pending: {outbox_pending_count()}")
