"""Reads for programs, targets, walks and adherence."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Sum

from patients.models import Patient
from programs.adherence import Adherence, DayActivity, DayTarget, adherence_for_period
from programs.models import TargetChange, WalkingProgram, WalkLog
from programs.targets import Target, target_for_date


def current_program(*, patient: Patient) -> WalkingProgram | None:
    """The patient's current (active, paused or flare-up) program, if any."""
    return (
        WalkingProgram.objects.filter(patient=patient, status__in=WalkingProgram.CURRENT_STATUSES)
        .order_by("-start_date")
        .first()
    )


def clinical_responses_between(*, patients, start: date, end: date) -> dict[int, date]:
    """Patients with a clinically important pain response on local days start..end.

    Returns {patient id: first day in the period}: the 7-day mean was 30%+ below
    baseline (recorded by the daily pain check). One query; ``patients`` may be a queryset.
    """
    # Local imports keep this selector self-contained.
    from django.db.models import Min

    from programs.models import PainResponse

    rows = (
        PainResponse.objects.filter(patient__in=patients, day__range=(start, end))
        .values("patient_id")
        .annotate(first_day=Min("day"))
        .order_by()
    )
    return {r["patient_id"]: r["first_day"] for r in rows}


def program_target_on(*, program: WalkingProgram, day: date) -> Target | None:
    """The target in force on a local day (None before the program starts)."""
    changes = TargetChange.objects.filter(program=program, effective_on__lte=day).order_by(
        "effective_on", "id"
    )
    return target_for_date(changes, day)


def program_day_targets(*, program: WalkingProgram, start: date, end: date) -> list[DayTarget]:
    """Each local day from ``start`` to ``end`` (inclusive) with what was prescribed."""
    changes = list(
        TargetChange.objects.filter(program=program, effective_on__lte=end).order_by(
            "effective_on", "id"
        )
    )
    return day_targets_from_changes(program=program, changes=changes, start=start, end=end)


def day_targets_from_changes(
    *, program: WalkingProgram, changes: list[TargetChange], start: date, end: date
) -> list[DayTarget]:
    """program_day_targets() from already-fetched changes (in creation order); no query."""
    days = []
    day = start
    while day <= end:
        target = target_for_date(changes, day) if program.is_active_on(day) else None
        days.append(
            DayTarget(day=day, sessions_per_day=0, minutes_per_session=0)
            if target is None
            else DayTarget(
                day=day,
                sessions_per_day=target.sessions_per_day,
                minutes_per_session=target.minutes_per_session,
                days_per_week=target.days_per_week,
            )
        )
        day += timedelta(days=1)
    return days


def counted_walks(*, program: WalkingProgram):
    """The patient's walks that count for this program (indoor marching only if allowed)."""
    walks = WalkLog.objects.filter(patient_id=program.patient_id)
    if not program.indoor_allowed:
        walks = walks.exclude(kind=WalkLog.Kind.INDOOR_MARCHING)
    return walks


def daily_activity(*, program: WalkingProgram, start: date, end: date) -> dict[date, DayActivity]:
    """Sessions and minutes per local day, summed in the database."""
    rows = (
        counted_walks(program=program)
        .filter(local_date__range=(start, end))
        .values("local_date")
        .annotate(sessions=Count("id"), minutes=Sum("duration_minutes"))
    )
    return {
        r["local_date"]: DayActivity(r["local_date"], r["sessions"], r["minutes"]) for r in rows
    }


def program_adherence(*, program: WalkingProgram, start: date, end: date) -> Adherence:
    """Adherence over local days ``start``..``end`` inclusive (see programs.adherence)."""
    targets = program_day_targets(program=program, start=start, end=end)
    return adherence_for_period(targets, daily_activity(program=program, start=start, end=end))
