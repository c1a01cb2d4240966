"""Fill an empty installation with a synthetic demo clinic group (see clinic.demo)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from tqdm import tqdm

from clinic.demo import (
    DemoDataError,
    DemoSummary,
    demo_data_create,
    demo_data_exists,
    demo_options_validate,
)


class Command(BaseCommand):
    help = "Create demo clinics, therapists and patients with walks and pain history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=40, help="Demo patients (40).")
        parser.add_argument("--days", type=int, default=90, help="Days of history (90).")
        parser.add_argument("--seed", type=int, default=2024, help="Random seed (2024).")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data first, then recreate it."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any clinic already exists (used by `make run`).",
        )

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        if options["if_empty"] and not options["reset"] and demo_data_exists():
            self.stdout.write("Clinics already exist; leaving the data alone (--if-empty).")
            return
        try:
            demo_options_validate(patients=options["patients"], days=options["days"])
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(
            total=max(options["patients"], 0),
            desc="Seeding patients",
            unit="patient",
            file=_Unterminated(self.stderr),
            disable=options["verbosity"] < 1,
        )
        try:
            with bar:
                summary = demo_data_create(
                    patients=options["patients"],
                    days=options["days"],
                    seed=options["seed"],
                    reset=options["reset"],
                    progress=bar.update,
                )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self._report(summary, elapsed=time.perf_counter() - started)

    def _report(self, summary: DemoSummary, *, elapsed: float) -> None:
        if summary.deleted_users:
            self.stdout.write(f"Deleted the old demo and its {summary.deleted_users} users.")
        counts = ", ".join(f"{n} {t.value}" for t, n in summary.count_by_trajectory().items())
        self.stdout.write(
            f"Created {summary.clinics} clinics, {summary.therapists} therapists, "
            f"{len(summary.patients)} patients ({counts}), {summary.walks} walks, "
            f"{summary.checkins} pain check-ins, {summary.target_changes} target changes, "
            f"{summary.lesson_assignments} lesson assignments."
        )
        self.stdout.write("Demo sign-ins (synthetic accounts, all with the same password):")
        for credential in summary.credentials:
            self.stdout.write(
                f"  {credential.username:<12} {credential.password:<12} {credential.role}"
            )
        for trajectory in summary.count_by_trajectory():
            names = [p.username for p in summary.patients if p.trajectory == trajectory][:5]
            if names:
                self.stdout.write(
                    f"  {trajectory.value:<12} e.g. {', '.join(names)} (password walkrx-demo)"
                )
        self.stdout.write(self.style.SUCCESS(f"Seeded the demo in {elapsed:.1f} s."))


class _Unterminated:
    """tqdm redraws with '\r'; Django's OutputWrapper would add a newline to each write."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
