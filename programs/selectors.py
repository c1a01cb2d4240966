"""Reads for programs, targets, walks and adherence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Sum

from clinic.timezones import week_start
from patients.models import PainCheckIn, Patient
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


def program_history(*, program: WalkingProgram) -> list[TargetChange]:
    """The program's target changes, newest first, with who made them."""
    return list(
        program.target_changes.select_related("changed_by").order_by("-effective_on", "-id")
    )


def patient_recent_walks(*, patient: Patient, limit: int = 10) -> list[WalkLog]:
    """The patient's latest walks, newest first."""
    return list(WalkLog.objects.filter(patient=patient).order_by("-started_at", "-id")[:limit])


def patient_latest_program(*, patient: Patient) -> WalkingProgram | None:
    """The current program, or else the most recent one."""
    return current_program(patient=patient) or (
        WalkingProgram.objects.filter(patient=patient).order_by("-start_date", "-id").first()
    )


@dataclass(frozen=True)
class WeekPoint:
    week_start: date
    minutes: int
    target_minutes: float
    pain_mean: float | None


def patient_weekly_chart(*, patient: Patient, today: date, weeks: int = 8) -> list[WeekPoint]:
    """Minutes walked vs prescribed and mean pain per ISO week, the last ``weeks`` weeks.

    Pain counts check-in scores and walks' pain-after, as pain_scores_between does.
    The target is the latest program's prescribed minutes (its history included).
    """
    first = week_start(today) - timedelta(weeks=weeks - 1)
    walks = (
        WalkLog.objects.filter(patient=patient, local_date__range=(first, today))
        .values("local_date")
        .annotate(minutes=Sum("duration_minutes"), pain=Sum("pain_after"), n=Count("id"))
    )
    checkins = (
        PainCheckIn.objects.filter(patient=patient, date__range=(first, today))
        .values("date")
        .annotate(pain=Sum("score"), n=Count("id"))
    )
    minutes: dict[date, int] = defaultdict(int)
    pain: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in walks:
        minutes[week_start(row["local_date"])] += row["minutes"]
        pain[week_start(row["local_date"])][0] += row["pain"]
        pain[week_start(row["local_date"])][1] += row["n"]
    for row in checkins:
        pain[week_start(row["date"])][0] += row["pain"]
        pain[week_start(row["date"])][1] += row["n"]
    target: dict[date, float] = defaultdict(float)
    program = patient_latest_program(patient=patient)
    if program is not None:
        for day in program_day_targets(program=program, start=first, end=today):
            target[week_start(day.day)] += day.prescribed_minutes
    return [
        WeekPoint(
            week_start=monday,
            minutes=minutes[monday],
            target_minutes=round(target[monday], 1),
            pain_mean=round(pain[monday][0] / pain[monday][1], 2) if pain[monday][1] else None,
        )
        for monday in (first + timedelta(weeks=i) for i in range(weeks))
    ]
