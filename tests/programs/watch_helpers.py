"""Arrange helpers for the daily-watch tests: walks and check-ins on local days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from patients.models import Patient
from tests.factories import PainCheckInFactory, WalkingProgramFactory, WalkLogFactory

DAY = date(2026, 11, 20)  # the local day the checks evaluate
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("UTC"))  # DAY has ended everywhere


def program_for(patient: Patient | None = None, **fields):
    """A current program of 1 x 10 min a day that started four weeks before DAY."""
    values = {"sessions_per_day": 1, "minutes_per_session": 10, "start_date": DAY - timedelta(28)}
    values.update(fields)
    if patient is not None:
        values["patient"] = patient
    return WalkingProgramFactory(**values)


def walk(patient: Patient, day: date, *, minutes: int = 10, pain_after: int = 3, **fields):
    """A walk at local noon on ``day``."""
    started = datetime.combine(day, time(12), tzinfo=ZoneInfo(patient.timezone))
    return WalkLogFactory(
        patient=patient,
        started_at=started,
        local_date=day,
        duration_minutes=minutes,
        pain_before=pain_after,
        pain_after=pain_after,
        **fields,
    )


def walk_days(patient: Patient, days: range | list[int], **fields) -> None:
    """One walk on each DAY - n for n in ``days``."""
    for back in days:
        walk(patient, DAY - timedelta(days=back), **fields)


def checkins(patient: Patient, scores: dict[int, int], **fields) -> None:
    """Check-ins by days back from DAY: {0: 5, 1: 4} is 5 on DAY and 4 the day before."""
    for back, score in scores.items():
        PainCheckInFactory(patient=patient, date=DAY - timedelta(days=back), score=score, **fields)
