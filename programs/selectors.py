"""Reads for programs, targets, walks and adherence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, OuterRef, Q, Subquery, Sum

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
    """The target in force on a local day (None before the program starts).

    One row: the latest change effective on or before ``day`` (the last created among
    those of one day), which is what target_for_date() picks from the whole history.
    """
    latest = (
        TargetChange.objects.filter(program=program, effective_on__lte=day)
        .order_by("-effective_on", "-id")
        .values_list(
            "effective_on", "sessions_per_day", "minutes_per_session", "days_per_week", named=True
        )
        .first()
    )
    return target_for_date([latest] if latest else [], day)


def program_day_targets(*, program: WalkingProgram, start: date, end: date) -> list[DayTarget]:
    """Each local day from ``start`` to ``end`` (inclusive) with what was prescribed."""
    changes = target_changes_in_force(program_ids=[program.id], start=start, end=end)
    return day_targets_from_changes(
        program=program, changes=changes.get(program.id, []), start=start, end=end
    )


def target_changes_in_force(
    *, program_ids: Iterable[int], start: date, end: date
) -> dict[int, list]:
    """Per program, the target changes that can be in force on local days start..end
    (one query): the latest change effective on or before ``start`` (with any others of
    that day) and every later one up to ``end``, in creation order, as light rows with
    the TargetChange fields the rules read (programs.targets.TargetRow, and ``reason``).

    target_for_date() gives the same target on those days as with the whole history,
    without fetching (and building models for) months of weekly changes per program.
    """
    in_force_at_start = (
        TargetChange.objects.filter(program_id=OuterRef("program_id"), effective_on__lte=start)
        .order_by("-effective_on", "-id")
        .values("effective_on")[:1]
    )
    rows = (
        TargetChange.objects.filter(program_id__in=list(program_ids), effective_on__lte=end)
        .filter(Q(effective_on__gt=start) | Q(effective_on__gte=Subquery(in_force_at_start)))
        .order_by("effective_on", "id")
        .values_list(
            "program_id",
            "effective_on",
            "sessions_per_day",
            "minutes_per_session",
            "days_per_week",
            "reason",
            named=True,
        )
    )
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(row.program_id, []).append(row)
    return out


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


def counted_walks(*, patient_id: int, indoor_allowed: bool = True):
    """The patient's walks that count (indoor marching only where the program allows it)."""
    walks = WalkLog.objects.filter(patient_id=patient_id)
    if not indoor_allowed:
        walks = walks.exclude(kind=WalkLog.Kind.INDOOR_MARCHING)
    return walks


def daily_activity(
    *, patient_id: int, start: date, end: date, indoor_allowed: bool = True
) -> dict[date, DayActivity]:
    """Sessions and minutes per local day, summed in the database."""
    rows = (
        counted_walks(patient_id=patient_id, indoor_allowed=indoor_allowed)
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
    activity = daily_activity(
        patient_id=program.patient_id, start=start, end=end, indoor_allowed=program.indoor_allowed
    )
    return adherence_for_period(targets, activity)


@dataclass(frozen=True)
class TodaySummary:
    date: date
    sessions_target: int
    minutes_per_session: int
    sessions_done: int
    minutes_done: int


@dataclass(frozen=True)
class WeekProgress:
    week_start: date
    minutes: int
    target_minutes: int
    sessions: int
    target_sessions: int
    adherence: float | None
    pain_mean: float | None


def patient_today_summary(*, patient: Patient, today: date) -> TodaySummary:
    """Today's target and what is done so far (3 queries)."""
    program = current_program(patient=patient)
    target = program_target_on(program=program, day=today) if program else None
    if program is None or target is None or not program.is_active_on(today):
        sessions_target = minutes_per_session = 0
    else:
        sessions_target, minutes_per_session = target.sessions_per_day, target.minutes_per_session
    indoor_allowed = program is None or program.indoor_allowed
    walks = counted_walks(patient_id=patient.id, indoor_allowed=indoor_allowed)
    done = walks.filter(local_date=today).aggregate(
        sessions=Count("id"), minutes=Sum("duration_minutes")
    )
    return TodaySummary(
        date=today,
        sessions_target=sessions_target,
        minutes_per_session=minutes_per_session,
        sessions_done=done["sessions"],
        minutes_done=done["minutes"] or 0,
    )


def patient_weekly_progress(*, patient: Patient, weeks: int, today: date) -> list[WeekProgress]:
    """The last ``weeks`` ISO weeks (Monday starts, local dates), oldest first (4 queries)."""
    first_monday = week_start(today) - timedelta(weeks=weeks - 1)
    last_day = week_start(today) + timedelta(days=6)
    program = patient_latest_program(patient=patient)
    targets = (
        program_day_targets(program=program, start=first_monday, end=last_day) if program else []
    )
    activity = daily_activity(
        patient_id=patient.id,
        start=first_monday,
        end=last_day,
        indoor_allowed=program is None or program.indoor_allowed,
    )
    pain = _daily_pain_sums(patient=patient, start=first_monday, end=last_day)
    return [
        _week_progress(monday, targets, activity, pain)
        for monday in (first_monday + timedelta(weeks=i) for i in range(weeks))
    ]


def _week_progress(
    monday: date,
    targets: list[DayTarget],
    activity: dict[date, DayActivity],
    pain: dict[date, tuple[int, int]],
) -> WeekProgress:
    days = {monday + timedelta(days=i) for i in range(7)}
    week_targets = [t for t in targets if t.day in days]
    adherence = adherence_for_period(week_targets, activity)
    week_done = [activity[d] for d in days if d in activity]
    pain_total = sum(pain[d][0] for d in days if d in pain)
    pain_count = sum(pain[d][1] for d in days if d in pain)
    return WeekProgress(
        week_start=monday,
        minutes=sum(a.minutes for a in week_done),
        target_minutes=round(adherence.minutes_prescribed),
        sessions=sum(a.sessions for a in week_done),
        target_sessions=round(adherence.sessions_prescribed),
        adherence=adherence.sessions_ratio,
        pain_mean=round(pain_total / pain_count, 1) if pain_count else None,
    )


def _daily_pain_sums(*, patient: Patient, start: date, end: date) -> dict[date, tuple[int, int]]:
    """(sum, count) of pain scores per local day: check-ins and walks' pain-after."""
    sums: dict[date, tuple[int, int]] = {}
    checkins = (
        PainCheckIn.objects.filter(patient=patient, date__range=(start, end))
        .values("date")
        .annotate(total=Sum("score"), n=Count("id"))
        .values_list("date", "total", "n")
    )
    walks = (
        WalkLog.objects.filter(patient=patient, local_date__range=(start, end))
        .values("local_date")
        .annotate(total=Sum("pain_after"), n=Count("id"))
        .values_list("local_date", "total", "n")
    )
    for day, total, n in [*checkins, *walks]:
        prev_total, prev_n = sums.get(day, (0, 0))
        sums[day] = (prev_total + total, prev_n + n)
    return sums


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
class DayPain:
    day: date
    mean: float


def patient_daily_pain(*, patient: Patient, start: date, end: date) -> list[DayPain]:
    """Mean pain per local day (check-ins and walks' pain-after), oldest first (2 queries)."""
    sums = _daily_pain_sums(patient=patient, start=start, end=end)
    return [DayPain(day, round(total / n, 1)) for day, (total, n) in sorted(sums.items())]


def patient_target_changes(*, patient: Patient, start: date, end: date) -> list[TargetChange]:
    """The patient's program target changes effective in ``start``..``end``, oldest first."""
    return list(
        TargetChange.objects.filter(
            program__patient=patient, effective_on__range=(start, end)
        ).order_by("effective_on", "id")
    )
