"""Regenerate or backfill weekly reports on purpose (the beat task does the routine)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic.models import Therapist
from clinic.reports import parse_iso_week, report_week_for
from clinic.services import weekly_report_build, weekly_report_send


class Command(BaseCommand):
    help = (
        "Build (or rebuild) weekly reports and email those not yet sent. "
        "Defaults to last week in each clinic's time zone and to every therapist."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: last week).")
        parser.add_argument("--therapist", help="Only this therapist's username.")
        parser.add_argument(
            "--resend", action="store_true", help="Email again even if already sent."
        )

    def handle(self, *args, week: str | None, therapist: str | None, resend: bool, **options):
        try:
            week_start = parse_iso_week(week) if week else None
        except ValueError as exc:
            raise CommandError(f"--week: {exc}") from exc
        therapists = Therapist.objects.select_related("user", "clinic").order_by("id")
        if therapist:
            therapists = therapists.filter(user__username=therapist)
            if not therapists.exists():
                raise CommandError(f"--therapist: no therapist with username '{therapist}'.")
        now = timezone.now()
        for t in therapists.iterator(chunk_size=200):
            monday = week_start or report_week_for(now, t.clinic.timezone)
            report = weekly_report_build(therapist=t, week_start=monday, now=now, rebuild=True)
            sent = weekly_report_send(report=report, now=now, force=resend)
            self.stdout.write(
                f"{report}: {'sent' if sent else 'not sent (already sent, or no email address)'}"
            )
