"""Run the daily watch synchronously: `manage.py run_checks [--date YYYY-MM-DD]`."""

from __future__ import annotations

from datetime import UTC, date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from programs import watch


def _parse_day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: '{value}' is not a date in YYYY-MM-DD form.") from exc
    # No zone has ended a day after today's date in UTC. Checks only move forward, so a
    # later day claimed by mistake would stop a patient's checks until it came.
    if day > timezone.now().astimezone(UTC).date():
        raise CommandError(f"--date: {value} has not ended yet for any patient.")
    return day


class Command(BaseCommand):
    help = (
        "Run the adherence, pain and progression checks now, then send the alert digests. "
        "Without --date each patient's most recent fully ended local day is checked. "
        "Idempotent: a patient already checked for that day, or a later one, is skipped "
        "(checks only move forward)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="The local day to check, for every patient whose day it has ended and who "
            "was not checked for it or a later day.",
        )
        parser.add_argument(
            "--no-email", action="store_true", help="Do not send the therapists' digests."
        )

    def handle(self, *args, **options) -> None:
        day = _parse_day(options["date"]) if options["date"] else None
        ids = watch.watch_patient_ids()
        checks = [
            ("adherence", watch.adherence_check),
            ("pain", watch.pain_check),
            ("progression", watch.progression_check),
        ]
        for name, check in checks:
            results = [check(patient_ids=chunk, day=day) for chunk in watch.chunked(ids)]
            self.stdout.write(
                f"{name}: {sum(r.checked for r in results)} checked, "
                f"{sum(r.alerts_opened for r in results)} alerts opened, "
                f"{sum(r.changes for r in results)} target changes"
            )
        if not options["no_email"]:
            self.stdout.write(f"digests: {watch.alert_digests_send()} sent")
