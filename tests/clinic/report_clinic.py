"""A small synthetic clinic with hand-computed figures for ISO week 2026-W47."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from clinic.models import Therapist
from patients.models import Alert, Patient
from programs.models import TargetChange, WalkingProgram, WalkLog
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

MONDAY = date(2026, 11, 16)  # 2026-W47 runs Monday 16 to Sunday 22 November
LONG_AGO = datetime(2026, 10, 1, tzinfo=UTC)


def day(n: int) -> date:
    """The n-th day of the report week (0 = Monday)."""
    return date(2026, 11, 16 + n)


def walk(patient: Patient, on: date, count: int = 1, **fields) -> None:
    """``count`` walks at local noon (the patient's own time zone) on ``on``."""
    started = datetime.combine(on, time(12), tzinfo=ZoneInfo(patient.timezone))
    for i in range(count):
        WalkLogFactory(patient=patient, started_at=started.replace(minute=i), **fields)


def patient(therapist: Therapist, first_name: str, **fields) -> Patient:
    user = UserFactory(username=first_name.lower(), first_name=first_name, last_name="Test")
    p = PatientFactory(therapist=therapist, user=user, **fields)
    Patient.objects.filter(id=p.id).update(created_at=LONG_AGO)
    return p


@dataclass
class SmallClinic:
    therapist: Therapist
    ada: Patient  # adherence 57%, progressed mid-week, pain better by the MCID, alert open
    ben: Patient  # joined mid-week, program from Thursday on 5 days a week
    cleo: Patient  # no program
    dev: Patient  # New York time zone, a flare-up and an urgent alert


def small_clinic() -> SmallClinic:
    therapist = TherapistFactory(
        user=UserFactory(username="terry", first_name="Terry", last_name="Physio", is_staff=True),
        clinic__name="Riverside Physio",
        clinic__timezone="Europe/London",
    )
    ada = patient(therapist, "Ada", baseline_pain=6)
    program = WalkingProgramFactory(patient=ada, start_date=date(2026, 11, 2))
    TargetChangeFactory(
        program=program,
        effective_on=day(3),
        minutes_per_session=12,
        reason=TargetChange.Reason.PROGRESSED,
    )
    walk(ada, day(0), 2, pain_after=5)
    walk(ada, day(1), 3, pain_after=5)  # a third walk counts as walked, not as adherence
    walk(ada, day(2), 1, pain_after=5, talk_test=WalkLog.TalkTest.EASY)
    walk(ada, day(4), 2, duration_minutes=12, pain_after=3)
    walk(ada, day(6), 1, duration_minutes=12, pain_after=3, kind=WalkLog.Kind.INDOOR_MARCHING)
    PainCheckInFactory(patient=ada, date=day(0), score=6)
    PainCheckInFactory(patient=ada, date=day(6), score=2)
    AlertFactory(patient=ada, opened_at=datetime(2026, 11, 17, 10, tzinfo=UTC))
    AlertFactory(
        patient=ada,
        kind=Alert.Kind.MISSED_SESSIONS,
        status=Alert.Status.RESOLVED,
        opened_at=datetime(2026, 11, 18, 10, tzinfo=UTC),
    )

    ben = patient(therapist, "Ben", baseline_pain=4)
    Patient.objects.filter(id=ben.id).update(created_at=datetime(2026, 11, 18, 9, tzinfo=UTC))
    WalkingProgramFactory(patient=ben, start_date=day(3), days_per_week=5)
    walk(ben, day(1), 1)  # before the program started: walked, not prescribed
    walk(ben, day(3), 2)
    walk(ben, day(4), 2)
    walk(ben, day(5), 1)
    PainCheckInFactory(patient=ben, date=day(3), score=4)

    cleo = patient(therapist, "Cleo", baseline_pain=5)
    walk(cleo, day(2), 1, duration_minutes=20)

    dev = patient(therapist, "Dev", baseline_pain=5, timezone="America/New_York")
    WalkingProgramFactory(
        patient=dev,
        start_date=date(2026, 11, 2),
        sessions_per_day=1,
        minutes_per_session=20,
    )
    TargetChange.objects.filter(program__patient=dev).update(
        sessions_per_day=1, minutes_per_session=20
    )
    # 03:00 UTC Monday is still Sunday 15th in New York: last week for Dev.
    WalkLogFactory(patient=dev, started_at=datetime(2026, 11, 16, 3, tzinfo=UTC))
    for n in range(5):
        walk(dev, day(n), 1, duration_minutes=20)
    # 02:00 UTC on Monday 23rd is still Sunday 22nd in New York: this week for Dev.
    WalkLogFactory(
        patient=dev, started_at=datetime(2026, 11, 23, 2, tzinfo=UTC), duration_minutes=20
    )
    PainCheckInFactory(patient=dev, date=day(2), score=8, flare_up=True)
    AlertFactory(
        patient=dev,
        kind=Alert.Kind.RED_FLAG,
        severity=Alert.Severity.URGENT,
        opened_at=datetime(2026, 11, 12, tzinfo=UTC),
    )

    # Not on the report: a discharged patient and another therapist's patient.
    gone = patient(therapist, "Gone", status=Patient.Status.DISCHARGED)
    walk(gone, day(0), 2)
    other = patient(TherapistFactory(clinic=therapist.clinic), "Olga")
    walk(other, day(0), 2)
    return SmallClinic(therapist=therapist, ada=ada, ben=ben, cleo=cleo, dev=dev)


def program_of(p: Patient) -> WalkingProgram:
    return WalkingProgram.objects.get(patient=p)
