"""Reads for programs, targets, walks and adherence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter

from django.db import connection
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from clinic.timezones import local_date, week_start
from patients.models import PainCheckIn, Patient
from programs.adherence import Adherence, DayActivity, DayTarget, adherence_for_period
from programs.maintenance import month_start
from programs.models import (
    BoosterPrompt,
    DailySteps,
    RecurrenceCheckIn,
    TargetChange,
    WalkingProgram,
    WalkLog,
)
from programs.recurrence import Duration, RecurrenceCurve, recurrence_curve
from programs.sql import prescribes_on_sql, target_in_force_sql, walk_counts_sql
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
    baseline (recorded by the daily pain check as periods; one still holding has no last
    day). One query; ``patients`` may be a queryset.
    """
    # Local imports keep this selector self-contained.
    from django.db.models import DateField, Min, Q, Value
    from django.db.models.functions import Greatest

    from programs.models import PainResponse

    rows = (
        PainResponse.objects.filter(patient__in=patients, first_day__lte=end)
        .filter(Q(last_day__isnull=True) | Q(last_day__gte=start))
        .values("patient_id")
        .annotate(first_day=Min(Greatest("first_day", Value(start, output_field=DateField()))))
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
        TargetChange.objects.filter(program_id__any=list(program_ids), effective_on__lte=end)
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
    """program_day_targets() from already-fetched changes (in creation order); no query.

    Each day's target is target_for_date()'s: the latest change effective on or before
    it, the last given among those of one day. One sweep over the changes sorted by day
    (a stable sort keeps the given order within a day) instead of a scan per day.
    """
    ordered = sorted(changes, key=attrgetter("effective_on"))
    days = []
    in_force = None
    next_change = 0
    day = start
    while day <= end:
        while next_change < len(ordered) and ordered[next_change].effective_on <= day:
            in_force = ordered[next_change]
            next_change += 1
        days.append(
            DayTarget(day=day, sessions_per_day=0, minutes_per_session=0)
            if in_force is None or not program.is_active_on(day)
            else DayTarget(
                day=day,
                sessions_per_day=in_force.sessions_per_day,
                minutes_per_session=in_force.minutes_per_session,
                days_per_week=in_force.days_per_week,
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
    steps: int = 0  # imported daily steps: per day the largest source, summed over the week


def patient_today_summary(*, patient: Patient, today: date) -> TodaySummary:
    """Today's target and what is done so far (one query on PostgreSQL, else three)."""
    if connection.vendor == "postgresql":
        return _today_summary_sql(patient=patient, today=today)
    return _today_summary(patient=patient, today=today)


def _today_summary(*, patient: Patient, today: date) -> TodaySummary:
    """patient_today_summary() by the plain definitions (3 queries)."""
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


# _today_summary() in one statement: the current program (current_program), the target in
# force today if it prescribes today (program_target_on, WalkingProgram.is_active_on), and
# today's walks that count for it, all of them without a program (counted_walks).
_TODAY_SQL = """
WITH prog AS (
    SELECT id, status, start_date, end_date, indoor_allowed
    FROM programs_walkingprogram
    WHERE patient_id = %(patient)s AND status = ANY(%(current)s)
    ORDER BY start_date DESC
    LIMIT 1
)
SELECT t.sessions_per_day, t.minutes_per_session, w.sessions, w.minutes
FROM (SELECT %(today)s::date AS today) d
LEFT JOIN prog ON true
LEFT JOIN {target} t ON prog.id IS NOT NULL AND {prescribes}
CROSS JOIN LATERAL (
    SELECT count(*) AS sessions, coalesce(sum(w.duration_minutes), 0) AS minutes
    FROM programs_walklog w
    WHERE w.patient_id = %(patient)s AND w.local_date = d.today
      AND (prog.id IS NULL OR {counts})
) w
""".format(  # noqa: S608 - constant SQL, values are parameters
    target=target_in_force_sql(program="prog.id", day="d.today"),
    prescribes=prescribes_on_sql(program="prog", day="d.today"),
    counts=walk_counts_sql(indoor_allowed="prog.indoor_allowed", kind="w.kind"),
)


def _today_summary_sql(*, patient: Patient, today: date) -> TodaySummary:
    """_today_summary() in one query on PostgreSQL: the portal's home screen asks for it on
    every visit, and its three ORM queries cost ~3 ms of CPU to build (issue 7)."""
    params = {
        "patient": patient.id,
        "today": today,
        "current": [str(status) for status in WalkingProgram.CURRENT_STATUSES],
    }
    with connection.cursor() as cursor:
        cursor.execute(_TODAY_SQL, params)
        sessions_target, minutes_per_session, sessions_done, minutes_done = cursor.fetchone()
    return TodaySummary(
        date=today,
        sessions_target=sessions_target or 0,
        minutes_per_session=minutes_per_session or 0,
        sessions_done=sessions_done,
        minutes_done=minutes_done,
    )


def patient_weekly_progress(*, patient: Patient, weeks: int, today: date) -> list[WeekProgress]:
    """The last ``weeks`` ISO weeks (Monday starts, local dates), oldest first (2-3 queries
    on PostgreSQL, 5-6 elsewhere)."""
    first_monday = week_start(today) - timedelta(weeks=weeks - 1)
    last_day = week_start(today) + timedelta(days=6)
    program = patient_latest_program(patient=patient)
    read_days = _progress_days_sql if connection.vendor == "postgresql" else _progress_days
    days = read_days(patient=patient, program=program, start=first_monday, end=last_day)
    return [
        _week_progress(monday, *days)
        for monday in (first_monday + timedelta(weeks=i) for i in range(weeks))
    ]


# Per local day: what was prescribed (none without a program), the walks that count,
# the pain scores' (sum, count), and the steps.
_ProgressDays = tuple[list[DayTarget], dict[date, DayActivity], dict[date, tuple], dict[date, int]]


def _progress_days(
    *, patient: Patient, program: WalkingProgram | None, start: date, end: date
) -> _ProgressDays:
    """The progress page's figures per day, by their plain definitions (3-4 queries)."""
    targets = program_day_targets(program=program, start=start, end=end) if program else []
    activity = daily_activity(
        patient_id=patient.id,
        start=start,
        end=end,
        indoor_allowed=program is None or program.indoor_allowed,
    )
    pain = _daily_pain_sums(patient=patient, start=start, end=end)
    steps = step_totals_by_patient_day(patient_ids=[patient.id], start=start, end=end)
    return targets, activity, pain, steps.get(patient.id, {})


# _progress_days() in one statement: the target in force on each day the program
# prescribes (program_day_targets), the day's walks that count (daily_activity), its
# check-in and walks' pain-after (_daily_pain_sums; one check-in a day), and its steps,
# the largest source (step_totals_by_patient_day).
_PROGRESS_DAYS_SQL = """
WITH days AS (
    SELECT d::date AS day FROM generate_series(%(start)s::date, %(end)s::date, '1 day') AS d
), prog AS (
    SELECT id, status, start_date, end_date FROM programs_walkingprogram WHERE id = %(program)s
), walks AS (
    SELECT w.local_date AS day,
           count(*) FILTER (WHERE {counts}) AS sessions,
           sum(w.duration_minutes) FILTER (WHERE {counts}) AS minutes,
           coalesce(sum(w.pain_after), 0) AS pain_sum, count(w.pain_after) AS pain_n
    FROM programs_walklog w
    WHERE w.patient_id = %(patient)s AND w.local_date BETWEEN %(start)s AND %(end)s
    GROUP BY 1
), steps AS (
    SELECT s.date AS day, max(s.steps) AS steps
    FROM programs_dailysteps s
    WHERE s.patient_id = %(patient)s AND s.date BETWEEN %(start)s AND %(end)s
    GROUP BY 1
)
SELECT days.day, t.sessions_per_day, t.minutes_per_session, t.days_per_week,
       coalesce(w.sessions, 0), coalesce(w.minutes, 0),
       coalesce(w.pain_sum, 0) + coalesce(c.score, 0),
       coalesce(w.pain_n, 0) + (c.score IS NOT NULL)::int,
       st.steps
FROM days
LEFT JOIN prog ON true
LEFT JOIN {target} t ON prog.id IS NOT NULL AND {prescribes}
LEFT JOIN walks w ON w.day = days.day
LEFT JOIN patients_paincheckin c ON c.patient_id = %(patient)s AND c.date = days.day
LEFT JOIN steps st ON st.day = days.day
ORDER BY days.day
""".format(  # noqa: S608 - constant SQL, values are parameters
    target=target_in_force_sql(program="prog.id", day="days.day"),
    prescribes=prescribes_on_sql(program="prog", day="days.day"),
    counts=walk_counts_sql(indoor_allowed="%(indoor)s", kind="w.kind"),
)


def _progress_days_sql(
    *, patient: Patient, program: WalkingProgram | None, start: date, end: date
) -> _ProgressDays:
    """_progress_days() in one query on PostgreSQL: the progress page is latency-bound,
    and its four ORM queries cost more than the statement (issue 7)."""
    params = {
        "start": start,
        "end": end,
        "patient": patient.id,
        "program": program.id if program else None,
        "indoor": program is None or program.indoor_allowed,
    }
    with connection.cursor() as cursor:
        cursor.execute(_PROGRESS_DAYS_SQL, params)
        rows = cursor.fetchall()
    targets, activity, pain, steps = [], {}, {}, {}
    for day, spd, mps, dpw, sessions, minutes, pain_sum, pain_n, day_steps in rows:
        if program is not None:
            targets.append(DayTarget(day, 0, 0) if spd is None else DayTarget(day, spd, mps, dpw))
        if sessions:
            activity[day] = DayActivity(day, sessions, minutes)
        if pain_n:
            pain[day] = (pain_sum, pain_n)
        if day_steps is not None:
            steps[day] = day_steps
    return targets, activity, pain, steps


def _week_progress(
    monday: date,
    targets: list[DayTarget],
    activity: dict[date, DayActivity],
    pain: dict[date, tuple[int, int]],
    steps: dict[date, int],
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
        steps=sum(steps.get(d, 0) for d in days),
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
        WalkLog.objects.filter(
            patient=patient, local_date__range=(start, end), pain_after__isnull=False
        )
        .values("local_date")
        .annotate(total=Sum("pain_after"), n=Count("id"))
        .values_list("local_date", "total", "n")
    )
    # One round trip for both: the API's progress page is latency-bound (issue 7).
    for day, total, n in checkins.order_by().union(walks.order_by(), all=True):
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
    """Mean pain per local day (check-ins and walks' pain-after), oldest first (1 query)."""
    sums = _daily_pain_sums(patient=patient, start=start, end=end)
    return [DayPain(day, round(total / n, 1)) for day, (total, n) in sorted(sums.items())]


def patient_target_changes(*, patient: Patient, start: date, end: date) -> list[TargetChange]:
    """The patient's program target changes effective in ``start``..``end``, oldest first."""
    return list(
        TargetChange.objects.filter(
            program__patient=patient, effective_on__range=(start, end)
        ).order_by("effective_on", "id")
    )


# --- maintenance and recurrence -------------------------------------------


def recurrence_checkin_due(*, program: WalkingProgram | None, today: date) -> bool:
    """Whether this local month's recurrence check-in is still to answer.

    Due only in maintenance (no query otherwise; one query then).
    """
    if program is None or not program.in_maintenance:
        return False
    return not RecurrenceCheckIn.objects.filter(
        patient_id=program.patient_id, month=month_start(today)
    ).exists()


def patient_recurrence_checkins(*, patient: Patient) -> list[RecurrenceCheckIn]:
    """The patient's monthly recurrence answers, newest month first (one query)."""
    return list(RecurrenceCheckIn.objects.filter(patient=patient).order_by("-month"))


@dataclass(frozen=True)
class RecurrenceSummary:
    due: bool
    maintenance_started_on: date | None
    history: list[RecurrenceCheckIn]


def patient_recurrence_summary(*, patient: Patient, today: date) -> RecurrenceSummary:
    """Whether this month's check-in is due, and every check-in newest first (2 queries)."""
    program = current_program(patient=patient)
    history = patient_recurrence_checkins(patient=patient)
    in_maintenance = program is not None and program.in_maintenance
    answered = any(c.month == month_start(today) for c in history)
    return RecurrenceSummary(
        due=in_maintenance and not answered,
        maintenance_started_on=program.maintenance_started_on if in_maintenance else None,
        history=history,
    )


def patient_booster_prompts(*, patient: Patient, limit: int = 20) -> list[BoosterPrompt]:
    """The patient's latest booster prompts, newest first (one query)."""
    return list(
        BoosterPrompt.objects.filter(patient=patient).order_by("-created_on", "-id")[:limit]
    )


def open_booster_prompt(*, patient: Patient) -> BoosterPrompt | None:
    """The patient's booster prompt still to be acted on, if any (one query)."""
    return BoosterPrompt.objects.filter(patient=patient, dismissed_at__isnull=True).first()


def recurrence_durations(*, patients, today: date) -> list[Duration]:
    """Days to first recurrence for every patient who reached maintenance (one query).

    From the first day of maintenance to the first reported episode (an event), else to
    the program's end date or ``today`` (censored). ``patients`` may be a queryset (e.g.
    a clinic's patients); a patient with several maintenance programs counts their latest.
    """
    episode = Q(patient__recurrence_checkins__episode_started_on__gte=F("maintenance_started_on"))
    rows = (
        WalkingProgram.objects.filter(patient__in=patients, maintenance_started_on__isnull=False)
        .values("patient_id", "maintenance_started_on", "end_date")
        .annotate(
            first_episode=Min("patient__recurrence_checkins__episode_started_on", filter=episode)
        )
        .order_by("patient_id", "maintenance_started_on")
    )
    latest = {r["patient_id"]: r for r in rows}
    return [_duration(r, today) for r in latest.values()]


def _duration(row: dict, today: date) -> Duration:
    start = row["maintenance_started_on"]
    if row["first_episode"] is not None:
        return Duration(days=(row["first_episode"] - start).days, event=True)
    followed_to = min(today, row["end_date"]) if row["end_date"] else today
    return Duration(days=max(0, (followed_to - start).days), event=False)


def clinic_recurrence_curve(*, clinic, today: date | None = None) -> RecurrenceCurve:
    """The clinic's Kaplan-Meier curve of days to first recurrence (one query)."""
    today = today or local_date(timezone.now(), clinic.timezone)
    return recurrence_curve(
        recurrence_durations(patients=Patient.objects.filter(clinic=clinic), today=today)
    )


@dataclass(frozen=True)
class DayStepsTotal:
    date: date
    steps: int
    sources: dict[str, int]


def daily_step_totals(*, patient: Patient, start: date, end: date) -> list[DayStepsTotal]:
    """Steps per local day ``start``..``end``, oldest first (1 query).

    A day's total is the largest count any one source reported, never the sum:
    a phone and a watch (or an app and the FHIR copy of its data) count the same steps.
    """
    by_day: dict[date, dict[str, int]] = {}
    rows = DailySteps.objects.filter(patient=patient, date__range=(start, end)).values_list(
        "date", "source", "steps"
    )
    for day, source, steps in rows:
        by_day.setdefault(day, {})[source] = steps
    return [
        DayStepsTotal(date=day, steps=max(sources.values()), sources=sources)
        for day, sources in sorted(by_day.items())
    ]


def step_totals_by_patient_day(*, patient_ids, start: date, end: date) -> dict[int, dict]:
    """{patient id: {local day: steps}}, the max over sources per day, in SQL (1 query)."""
    rows = (
        DailySteps.objects.filter(patient_id__any=patient_ids, date__range=(start, end))
        .values("patient_id", "date")
        .annotate(steps=Max("steps"))
        .order_by()
    )
    totals: dict[int, dict] = {}
    for r in rows:
        totals.setdefault(r["patient_id"], {})[r["date"]] = r["steps"]
    return totals
