"""Delete audit events older than the retention period (AUDIT_RETENTION_DAYS)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.audit import audit_prune


class Command(BaseCommand):
    help = "Delete audit events older than AUDIT_RETENTION_DAYS (or --days N)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Keep this many days instead (default {settings.AUDIT_RETENTION_DAYS}).",
        )

    def handle(self, *args, days: int | None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        deleted = audit_prune(days=days)
        self.stdout.write(f"Deleted {deleted} audit event(s).")
