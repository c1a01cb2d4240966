"""Render docs/weekly-report.png: a real report of a synthetic clinic (no real data).

Usage: .venv/bin/python docs/render_weekly_report.py   (needs pdftoppm from poppler-utils)

Builds a throwaway SQLite database, fills a small clinic with eight weeks of synthetic
walks, pain check-ins, target changes and alerts through the test factories, builds
the 2026-W47 report with the real services and renders its PDF's first page.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
MONDAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)


def setup_django(db_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# (name, time zone, baseline pain, weeks on the program, weekly adherence, pain drift per week)
CASELOAD = [
    ("Amelia Hart", "Europe/London", 6, 8, 0.95, -0.45),
    ("Bilal Khan", "Europe/London", 7, 6, 0.85, -0.5),
    ("Chloe Martin", "Europe/London", 5, 8, 0.45, 0.1),
    ("Daniel Okafor", "Europe/London", 6, 5, 0.8, -0.3),
    ("Eva Novak", "Europe/Prague", 4, 7, 1.0, -0.2),
    ("Felix Brown", "Europe/London", 8, 3, 0.6, 0.6),
    ("Grace Lee", "Europe/London", 5, 1, 0.9, 0.0),
    ("Hugo Silva", "America/New_York", 6, 8, 0.7, -0.25),
    ("Isla Murray", "Europe/London", 5, 0, 0.0, 0.0),
    ("Jack Wilson", "Europe/London", 7, 4, 0.25, 0.2),
]


def build_clinic():
    from patients.models import Alert, Patient
    from programs.models import TargetChange, WalkLog
    from tests.factories import (
        AlertFactory,
        PainCheckInFactory,
        PatientFactory,
        TargetChangeFactory,
        TherapistFactory,
        UserFactory,
        WalkingProgramFactory,
        WalkLogFactory,
    )

    rng = random.Random(47)  # noqa: S311 (synthetic demo data)
    therapist = TherapistFactory(
        user=UserFactory(
            username="sam.physio", first_name="Sam", last_name="Rivera", is_staff=True
        ),
        clinic__name="Riverside Physiotherapy",
        clinic__timezone="Europe/London",
    )
    for name, tz, baseline, weeks, adherence, drift in CASELOAD:
        first, last = name.split()
        user = UserFactory(username=first.lower(), first_name=first, last_name=last)
        patient = PatientFactory(
            therapist=therapist, user=user, timezone=tz, baseline_pain=baseline
        )
        Patient.objects.filter(id=patient.id).update(created_at=datetime(2026, 9, 1, tzinfo=UTC))
        if weeks == 0:
            continue
        start = MONDAY - timedelta(weeks=weeks - 1) + timedelta(days=rng.choice([0, 0, 2]))
        program = WalkingProgramFactory(patient=patient, start_date=start, minutes_per_session=8)
        minutes = 8
        pain = float(baseline)
        day = start
        while day <= MONDAY + timedelta(days=6):
            if day.weekday() == 0 and day > start:
                reason = TargetChange.Reason.PROGRESSED
                if drift > 0.3:
                    reason, minutes = TargetChange.Reason.STEPPED_BACK, max(5, minutes - 2)
                elif adherence < 0.8:
                    reason = TargetChange.Reason.HELD
                else:
                    minutes = min(30, minutes + 2)
                TargetChangeFactory(
                    program=program, effective_on=day, minutes_per_session=minutes, reason=reason
                )
            pain = min(10.0, max(0.0, pain + drift / 7 + rng.uniform(-0.3, 0.3)))
            for session in range(2):
                if rng.random() < adherence:
                    started = datetime.combine(
                        day, time(8 + 9 * session, rng.randrange(60)), tzinfo=ZoneInfo(tz)
                    )
                    WalkLogFactory(
                        patient=patient,
                        started_at=started,
                        duration_minutes=max(3, minutes + rng.randrange(-2, 4)),
                        talk_test=rng.choice([WalkLog.TalkTest.BRISK] * 3 + ["easy"]),
                        pain_before=round(pain),
                        pain_after=round(max(0, pain + rng.uniform(-1, 0.5))),
                    )
            if rng.random() < 0.6:
                PainCheckInFactory(
                    patient=patient,
                    date=day,
                    score=round(pain),
                    flare_up=drift > 0.3 and day == MONDAY + timedelta(days=3),
                )
            day += timedelta(days=1)
        add_outcomes_and_steps(patient, start=start, weeks=weeks, drift=drift, rng=rng)
        if adherence < 0.5:
            AlertFactory(patient=patient, opened_at=datetime(2026, 11, 19, 9, tzinfo=UTC))
        if drift > 0.3:
            AlertFactory(
                patient=patient,
                kind=Alert.Kind.PAIN_RISING,
                severity=Alert.Severity.URGENT,
                message="Pain rising: 7-day mean 2 points above baseline.",
                opened_at=datetime(2026, 11, 20, 18, tzinfo=UTC),
            )
    return therapist


def add_outcomes_and_steps(patient, *, start: date, weeks: int, drift: float, rng) -> None:
    """An ODI at the start and after four weeks, and a phone's daily steps for some."""
    from patients.services import questionnaire_response_record
    from programs.models import DailySteps

    if weeks >= 4:
        level = 3 if patient.baseline_pain >= 6 else 2
        follow_up = level - 1 if drift < -0.2 else level + (drift > 0.3)
        for day, value in ((start, level), (start + timedelta(weeks=4), follow_up)):
            answers = {f"section_{n}": max(0, value - n % 2) for n in range(1, 11)}
            at = datetime.combine(day, time(10), tzinfo=UTC)
            questionnaire_response_record(patient=patient, measure="odi", answers=answers, now=at)
    if rng.random() < 0.5:
        DailySteps.objects.bulk_create(
            DailySteps(
                patient=patient,
                date=MONDAY + timedelta(days=n),
                steps=rng.randrange(3000, 9000),
                source=DailySteps.Source.APPLE_HEALTH,
            )
            for n in range(7)
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "demo.sqlite3")
        from clinic.report_render import render_pdf
        from clinic.services import weekly_report_build

        report = weekly_report_build(therapist=build_clinic(), week_start=MONDAY, now=NOW)
        pdf = Path(tmp) / "weekly-report.pdf"
        pdf.write_bytes(render_pdf(report.html))
        out = ROOT / "docs" / "weekly-report"
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-png", "-r", "110", "-singlefile", "-f", "1", str(pdf), str(out)],  # noqa: S607
            check=True,
        )
    sys.stdout.write(f"Wrote {out}.png\n")


if __name__ == "__main__":
    main()
