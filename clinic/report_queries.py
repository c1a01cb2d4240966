"""Reads for the weekly reports: per-patient figures aggregated in the database.

The report week is the clinic's ISO week (Monday-Sunday dates). Each walk and pain
check-in counts on its ``local_date`` (the patient's own calendar day), so a patient
in another time zone is measured over their own Monday-Sunday. Alerts are instants
and count when opened within the clinic's Monday 00:00 to next Monday 00:00.

Queries do not grow with the number of patients. Per chunk of ``CHUNK_SIZE`` patients:
patients, alerts, the latest ODI/RMDQ outcome measures, imported steps, and the figures
from programs, walks, check-ins and target changes. On PostgreSQL those figures,
adherence included, come from one statement (_FIGURES_SQL: five queries a chunk);
elsewhere from four queries (programs, target changes, walks per day and kind,
check-ins) and the pure rules (programs.adherence) in Python (eight). Both give the same
PatientWeek values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from clinic.conf import walkrx_setting
from clinic.pgarray import array_param
from clinic.reports import (
    OutcomeChange,
    PainSums,
    PatientWeek,
    PatientWeeklySummary,
    Thresholds,
    patient_summary,
)
from clinic.timezones import local_day_bounds
from patients.models import Alert, PainCheckIn, Patient
from patients.selectors import latest_outcome_changes
from programs.adherence import Adherence, DayActivity, DayTarget, adherence_for_period
from programs.models import TargetChange, WalkingProgram, WalkLog
from programs.selectors import step_totals_by_patient_day, target_changes_in_force
from programs.sql import prescribes_on_sql, target_in_force_sql, walk_counts_sql
from programs.targets import target_for_date

CHUNK_SIZE = 500
TREND_WEEKS = 8
# The start and the end of the week whose pain means are compared.
PAIN_WINDOW_DAYS = 3
# Outcome measures whose latest change from baseline each report row carries.
REPORT_OUTCOME_MEASURES = ("odi", "rmdq")


def report_thresholds() -> Thresholds:
    """The clinical thresholds the report applies (settings.WALKRX)."""
    return Thresholds(
        adherent_ratio=walkrx_setting("ADHERENT_RATIO"),
        low_adherence_ratio=walkrx_setting("LOW_ADHERENCE_RATIO"),
        pain_mcid_points=walkrx_setting("PAIN_RISE_POINTS"),
        improvement_ratio=walkrx_setting("PAIN_IMPROVEMENT_RATIO"),
    )


@dataclass
class _Walks:
    """Per-patient walk figures gathered from the per-day aggregate rows."""

    days: dict[date, dict[str, tuple[int, int]]] = field(default_factory=dict)
    walks: int = 0
    brisk: int = 0
    minutes: int = 0
    pain_start: PainSums = field(default_factory=PainSums)
    pain_end: PainSums = field(default_factory=PainSums)


_NOTHING_PRESCRIBED = Adherence(0, 0.0, 0, 0.0)


@dataclass(frozen=True)
class _Figures:
    """One patient's walks, check-ins and targets: adherence per trend week (the report
    week last), the report week's walks, counted active days, pain sums (walks' pain-after
    and check-ins) and flare-ups, the week's change of target and next week's target."""

    weekly: tuple[Adherence, ...]
    has_program: bool = False
    walks: int = 0
    brisk: int = 0
    minutes: int = 0
    active_days: int = 0
    pain_start: PainSums = field(default_factory=PainSums)
    pain_end: PainSums = field(default_factory=PainSums)
    flare_ups: int = 0
    program_change: str = ""
    next_target: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class _Period:
    """The report week and the trend weeks before it (trend_start is a Monday)."""

    week_start: date
    trend_weeks: int

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def trend_start(self) -> date:
        return self.week_start - timedelta(weeks=self.trend_weeks - 1)

    @property
    def next_day(self) -> date:
        return self.week_start + timedelta(days=7)

    def mondays(self) -> list[date]:
        return [self.trend_start + timedelta(weeks=i) for i in range(self.trend_weeks)]


def caseload_weeks(
    *,
    patients: QuerySet[Patient],
    week_start: date,
    clinic_timezone: str,
    trend_weeks: int = TREND_WEEKS,
    in_database: bool | None = None,
) -> Iterator[PatientWeek]:
    """Each patient's figures for the week starting ``week_start`` (a Monday), in chunks.

    ``in_database``: compute the walk, check-in and target figures in SQL (default: on
    PostgreSQL) or with the pure rules in Python (the only way elsewhere); both give the
    same values.
    """
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    period = _Period(week_start, trend_weeks)
    last_id = 0
    while True:
        chunk = list(
            patients.filter(id__gt=last_id).select_related("user").order_by("id")[:CHUNK_SIZE]
        )
        if not chunk:
            return
        yield from _chunk_weeks(chunk, period, clinic_timezone, in_database)
        if len(chunk) < CHUNK_SIZE:
            return
        last_id = chunk[-1].id


def _chunk_weeks(
    chunk: list[Patient], period: _Period, clinic_tz: str, in_database: bool
) -> Iterator[PatientWeek]:
    ids = [p.id for p in chunk]
    week_start, week_end = period.week_start, period.week_end
    figures = _figures_sql(ids, period) if in_database else _figures_python(ids, period)
    alerts = _alerts(ids, week_start, clinic_tz)
    outcomes = _outcomes(ids, week_end)
    steps = step_totals_by_patient_day(patient_ids=ids, start=week_start, end=week_end)
    nothing = _Figures(weekly=(_NOTHING_PRESCRIBED,) * period.trend_weeks)
    for patient in chunk:
        f = figures.get(patient.id, nothing)
        yield PatientWeek(
            patient_id=patient.id,
            name=patient.display_name,
            timezone=patient.timezone,
            baseline_pain=patient.baseline_pain,
            has_program=f.has_program,
            adherence=f.weekly[-1],
            walks=f.walks,
            brisk_walks=f.brisk,
            minutes_walked=f.minutes,
            active_days=f.active_days,
            pain_start=f.pain_start,
            pain_end=f.pain_end,
            flare_ups=f.flare_ups,
            **alerts.get(patient.id, {}),
            program_change=f.program_change,
            weekly_adherence=tuple(a.percent for a in f.weekly),
            next_target=f.next_target,
            outcomes=outcomes.get(patient.id, ()),
            steps=sum(steps.get(patient.id, {}).values()),
        )


def _figures_python(ids: list[int], period: _Period) -> dict[int, _Figures]:
    """The figures from programs, target changes, walks per day and kind, and check-ins
    (four queries), with the pure rules."""
    programs = _programs(ids, period.week_end)
    changes = _changes(programs, period.trend_start, period.next_day)
    walks = _walks(ids, period.trend_start, period.week_start, period.week_end)
    checkins = _checkins(ids, period.week_start, period.week_end)
    out = {}
    # Patients without walks may still have had sessions prescribed, or checked in.
    for patient_id in walks.keys() | programs.keys() | checkins.keys():
        program = programs.get(patient_id)
        program_changes = changes.get(program.id, []) if program else []
        w = walks.get(patient_id, _Walks())
        start_pain, end_pain, flare_ups = checkins.get(patient_id, (PainSums(), PainSums(), 0))
        activity = _activity(w.days, program, period.week_start, period.week_end)
        out[patient_id] = _Figures(
            weekly=tuple(
                _adherence(
                    program,
                    program_changes,
                    _activity(w.days, program, monday, monday + timedelta(days=6)),
                    monday,
                )
                for monday in period.mondays()
            ),
            has_program=program is not None,
            walks=w.walks,
            brisk=w.brisk,
            minutes=w.minutes,
            active_days=sum(1 for a in activity.values() if a.sessions > 0),
            pain_start=start_pain + w.pain_start,
            pain_end=end_pain + w.pain_end,
            flare_ups=flare_ups,
            program_change=_week_change(program_changes, period.week_start, period.week_end),
            next_target=_next_target(program, program_changes, period.next_day),
        )
    return out


# _figures_python's figures in one statement. The report program is the latest started
# by the week's end (_programs). Adherence per trend week as programs.adherence has it:
# each day's target is the latest change effective on or before it (ties: the last
# created, as programs.targets.target_for_date), none on days the program does not
# prescribe (WalkingProgram.is_active_on); a day's sessions count up to its
# target; indoor marching only where the program allows it (WalkingProgram.counts_kind;
# every kind without a program). Prescribed figures come as whole sevenths. The report
# week's walks (every kind), counted active days and pain-after sums of its first and last
# days come from the same per-day rows; check-ins, the week's last change of target and
# next week's target (the same lookup) are joined per patient.
_FIGURES_SQL = """
WITH pa AS (
    SELECT v.patient_id, wp.id AS program_id, coalesce(wp.indoor_allowed, true) AS indoor,
           wp.status, wp.start_date, wp.end_date
    FROM unnest(%(patients)s::bigint[]) AS v(patient_id)
    LEFT JOIN LATERAL (
        SELECT wp.id, wp.indoor_allowed, wp.status, wp.start_date, wp.end_date
        FROM programs_walkingprogram wp
        WHERE wp.patient_id = v.patient_id AND wp.start_date <= %(week_end)s
        ORDER BY wp.start_date DESC, wp.id DESC
        LIMIT 1
    ) wp ON true
), walkdays AS (
    SELECT w.patient_id, w.local_date AS day,
           count(*) FILTER (WHERE {counts}) AS n,
           coalesce(sum(w.duration_minutes) FILTER (WHERE {counts}), 0) AS m,
           count(*) AS walks,
           count(*) FILTER (WHERE w.talk_test = 'brisk') AS brisk,
           sum(w.duration_minutes) AS minutes,
           coalesce(sum(w.pain_after), 0) AS pain_sum,
           count(w.pain_after) AS pain_n
    FROM pa JOIN programs_walklog w ON w.patient_id = pa.patient_id
    WHERE w.local_date BETWEEN %(trend_start)s AND %(week_end)s
    GROUP BY 1, 2
), days AS (
    SELECT pa.patient_id, pa.program_id, k, %(trend_start)s::date + k AS day
    FROM pa CROSS JOIN generate_series(0, %(days)s - 1) AS k
    WHERE {active_on_day}
), tgt AS (
    SELECT days.patient_id, days.k, days.day,
           t.sessions_per_day::int AS spd, t.minutes_per_session AS mps, t.days_per_week AS dpw
    FROM days
    JOIN {target_on_day} t ON true
    WHERE t.sessions_per_day > 0
), weeks AS (
    SELECT tgt.patient_id, tgt.k / 7 AS week_no,
           sum(least(coalesce(wd.n, 0), tgt.spd))::bigint AS done,
           sum(tgt.spd * tgt.dpw)::bigint AS prescribed,
           coalesce(sum(wd.m), 0)::bigint AS minutes,
           sum(tgt.spd * tgt.dpw * tgt.mps)::bigint AS minutes_prescribed
    FROM tgt LEFT JOIN walkdays wd ON wd.patient_id = tgt.patient_id AND wd.day = tgt.day
    GROUP BY 1, 2
), trend AS (
    SELECT patient_id,
           array_agg(ARRAY[week_no, done, prescribed, minutes, minutes_prescribed]) AS weeks
    FROM weeks GROUP BY 1
), week AS (
    SELECT patient_id, sum(walks)::bigint AS walks, sum(brisk)::bigint AS brisk,
           sum(minutes)::bigint AS minutes, count(*) FILTER (WHERE n > 0) AS active_days,
           sum(pain_sum) FILTER (WHERE day <= %(start_window_end)s)::bigint AS start_sum,
           sum(pain_n) FILTER (WHERE day <= %(start_window_end)s)::bigint AS start_n,
           sum(pain_sum) FILTER (WHERE day >= %(end_window_start)s)::bigint AS end_sum,
           sum(pain_n) FILTER (WHERE day >= %(end_window_start)s)::bigint AS end_n
    FROM walkdays WHERE day >= %(week_start)s GROUP BY 1
), checkins AS (
    SELECT c.patient_id,
           sum(c.score) FILTER (WHERE c.date <= %(start_window_end)s) AS start_sum,
           count(*) FILTER (WHERE c.date <= %(start_window_end)s) AS start_n,
           sum(c.score) FILTER (WHERE c.date >= %(end_window_start)s) AS end_sum,
           count(*) FILTER (WHERE c.date >= %(end_window_start)s) AS end_n,
           count(*) FILTER (WHERE c.flare_up) AS flare_ups
    FROM pa JOIN patients_paincheckin c ON c.patient_id = pa.patient_id
    WHERE c.date BETWEEN %(week_start)s AND %(week_end)s
    GROUP BY 1
)
SELECT pa.patient_id, pa.program_id IS NOT NULL,
       week.walks, week.brisk, week.minutes, week.active_days,
       coalesce(week.start_sum, 0) + coalesce(checkins.start_sum, 0),
       coalesce(week.start_n, 0) + coalesce(checkins.start_n, 0),
       coalesce(week.end_sum, 0) + coalesce(checkins.end_sum, 0),
       coalesce(week.end_n, 0) + coalesce(checkins.end_n, 0),
       checkins.flare_ups, trend.weeks, change.reason,
       next.sessions_per_day, next.minutes_per_session, next.days_per_week
FROM pa
LEFT JOIN week ON week.patient_id = pa.patient_id
LEFT JOIN trend ON trend.patient_id = pa.patient_id
LEFT JOIN checkins ON checkins.patient_id = pa.patient_id
LEFT JOIN LATERAL (
    SELECT tc.reason FROM programs_targetchange tc
    WHERE tc.program_id = pa.program_id
      AND tc.effective_on BETWEEN %(week_start)s AND %(week_end)s
    ORDER BY tc.effective_on DESC, tc.id DESC
    LIMIT 1
) change ON true
LEFT JOIN {target_on_next_day} next ON {active_on_next_day}
""".format(  # noqa: S608 - constant SQL, values are parameters
    active_on_day=prescribes_on_sql(program="pa", day="%(trend_start)s::date + k"),
    target_on_day=target_in_force_sql(program="days.program_id", day="days.day"),
    active_on_next_day=prescribes_on_sql(program="pa", day="%(next_day)s::date"),
    target_on_next_day=target_in_force_sql(program="pa.program_id", day="%(next_day)s::date"),
    counts=walk_counts_sql(indoor_allowed="pa.indoor", kind="w.kind"),
)


def _figures_sql(ids: list[int], period: _Period) -> dict[int, _Figures]:
    """The figures computed in PostgreSQL (one query, _FIGURES_SQL)."""
    params = {
        "patients": array_param(ids),
        "trend_start": period.trend_start,
        "week_start": period.week_start,
        "week_end": period.week_end,
        "next_day": period.next_day,
        "days": 7 * period.trend_weeks,
        "start_window_end": period.week_start + timedelta(days=PAIN_WINDOW_DAYS - 1),
        "end_window_start": period.week_end - timedelta(days=PAIN_WINDOW_DAYS - 1),
    }
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES_SQL, params)
        rows = cursor.fetchall()
    return {row[0]: _figures_from_row(row, period.trend_weeks) for row in rows}


def _figures_from_row(row: tuple, trend_weeks: int) -> _Figures:
    _, has_program, walks, brisk, minutes, active_days = row[:6]
    start_sum, start_n, end_sum, end_n, flare_ups, weeks, reason = row[6:13]
    target = row[13:]
    return _Figures(
        weekly=_weekly_adherence(weeks or (), trend_weeks),
        has_program=has_program,
        walks=walks or 0,
        brisk=brisk or 0,
        minutes=minutes or 0,
        active_days=active_days or 0,
        pain_start=PainSums(start_sum, start_n),
        pain_end=PainSums(end_sum, end_n),
        flare_ups=flare_ups or 0,
        program_change=TargetChange.Reason(reason).label if reason else "",
        next_target=None if target[0] is None else tuple(target),
    )


def _weekly_adherence(weeks, trend_weeks: int) -> tuple[Adherence, ...]:
    """Adherence per week from [week no, done, sevenths prescribed, minutes, minute sevenths].

    adherence_for_period() sums sevenths as floats and rounds to 6 places; a whole number
    of sevenths is never within float error of a rounding boundary, so round(total / 7, 6)
    is the same number (programs.watch._program_figures_sql).
    """
    out = [_NOTHING_PRESCRIBED] * trend_weeks
    for week_no, done, prescribed, minutes, minutes_prescribed in weeks:
        out[week_no] = Adherence(
            sessions_done=done,
            sessions_prescribed=round(prescribed / 7, 6),
            minutes_done=minutes,
            minutes_prescribed=round(minutes_prescribed / 7, 6),
        )
    return tuple(out)


def _outcomes(ids: list[int], week_end: date) -> dict[int, tuple[OutcomeChange, ...]]:
    """Latest ODI and RMDQ answered by the week's end, with change from baseline (1 query)."""
    latest = latest_outcome_changes(
        patient_ids=ids, measures=REPORT_OUTCOME_MEASURES, until=week_end
    )
    return {
        patient_id: tuple(
            OutcomeChange(
                measure=measure,
                answered_on=scored.response.answered_on.isoformat(),
                score=scored.response.score,
                change=scored.change.change,
                improved=scored.change.improved,
                crossed_mcid=scored.change.crossed_mcid,
            )
            for measure, scored in sorted(by_measure.items())
        )
        for patient_id, by_measure in latest.items()
    }


def _programs(ids: list[int], week_end: date) -> dict[int, WalkingProgram]:
    """Each patient's latest program started by the end of the week."""
    qs = WalkingProgram.objects.filter(patient_id__any=ids, start_date__lte=week_end).order_by(
        "patient_id", "-start_date", "-id"
    )
    programs: dict[int, WalkingProgram] = {}
    for program in qs:
        programs.setdefault(program.patient_id, program)
    return programs


def _changes(
    programs: dict[int, WalkingProgram], start: date, until: date
) -> dict[int, list[TargetChange]]:
    """Target changes in force from ``start`` per program, in creation order as
    target_for_date expects (programs.selectors.target_changes_in_force)."""
    return target_changes_in_force(
        program_ids=[p.id for p in programs.values()], start=start, end=until
    )


def _walks(ids: list[int], trend_start: date, week_start: date, week_end: date) -> dict:
    """Walks per patient, local day and kind, summed in the database."""
    start_window = (week_start, week_start + timedelta(days=PAIN_WINDOW_DAYS - 1))
    end_window = (week_end - timedelta(days=PAIN_WINDOW_DAYS - 1), week_end)
    rows = (
        WalkLog.objects.filter(patient_id__any=ids, local_date__range=(trend_start, week_end))
        .values("patient_id", "local_date", "kind")
        .annotate(
            sessions=Count("id"),
            minutes=Sum("duration_minutes"),
            brisk=Count("id", filter=Q(talk_test=WalkLog.TalkTest.BRISK)),
            start_sum=Sum("pain_after", filter=Q(local_date__range=start_window)),
            start_n=Count("pain_after", filter=Q(local_date__range=start_window)),
            end_sum=Sum("pain_after", filter=Q(local_date__range=end_window)),
            end_n=Count("pain_after", filter=Q(local_date__range=end_window)),
        )
        .order_by()
    )
    walks: dict[int, _Walks] = defaultdict(_Walks)
    for r in rows:
        w = walks[r["patient_id"]]
        w.days.setdefault(r["local_date"], {})[r["kind"]] = (r["sessions"], r["minutes"])
        if r["local_date"] >= week_start:
            w.walks += r["sessions"]
            w.brisk += r["brisk"]
            w.minutes += r["minutes"]
            w.pain_start += PainSums(r["start_sum"] or 0, r["start_n"])
            w.pain_end += PainSums(r["end_sum"] or 0, r["end_n"])
    return walks


def _checkins(ids: list[int], week_start: date, week_end: date) -> dict:
    """Check-in pain at the start and end of the week, and flare-ups, per patient."""
    start_window = (week_start, week_start + timedelta(days=PAIN_WINDOW_DAYS - 1))
    end_window = (week_end - timedelta(days=PAIN_WINDOW_DAYS - 1), week_end)
    rows = (
        PainCheckIn.objects.filter(patient_id__any=ids, date__range=(week_start, week_end))
        .values("patient_id")
        .annotate(
            start_sum=Sum("score", filter=Q(date__range=start_window)),
            start_n=Count("id", filter=Q(date__range=start_window)),
            end_sum=Sum("score", filter=Q(date__range=end_window)),
            end_n=Count("id", filter=Q(date__range=end_window)),
            flare_ups=Count("id", filter=Q(flare_up=True)),
        )
        .order_by()
    )
    return {
        r["patient_id"]: (
            PainSums(r["start_sum"] or 0, r["start_n"]),
            PainSums(r["end_sum"] or 0, r["end_n"]),
            r["flare_ups"],
        )
        for r in rows
    }


def _alerts(ids: list[int], week_start: date, clinic_tz: str) -> dict:
    """Alerts opened during the clinic's week, and those open now, per patient."""
    opened_from, _ = local_day_bounds(week_start, clinic_tz)
    opened_to, _ = local_day_bounds(week_start + timedelta(days=7), clinic_tz)
    in_week = Q(opened_at__gte=opened_from, opened_at__lt=opened_to)
    is_open = Q(status=Alert.Status.OPEN)
    rows = (
        Alert.objects.filter(Q(patient_id__any=ids) & (in_week | is_open))
        .values("patient_id")
        .annotate(
            alerts_opened=Count("id", filter=in_week),
            alerts_open=Count("id", filter=is_open),
            urgent_alerts_open=Count("id", filter=is_open & Q(severity=Alert.Severity.URGENT)),
        )
        .order_by()
    )
    return {r.pop("patient_id"): r for r in rows}


def _activity(
    days: dict[date, dict[str, tuple[int, int]]],
    program: WalkingProgram | None,
    start: date,
    end: date,
) -> dict[date, DayActivity]:
    """Counted sessions and minutes per local day (indoor marching only if allowed)."""
    activity = {}
    for day, kinds in days.items():
        if not start <= day <= end:
            continue
        counted = [v for kind, v in kinds.items() if program is None or program.counts_kind(kind)]
        activity[day] = DayActivity(day, sum(s for s, _ in counted), sum(m for _, m in counted))
    return activity


def _adherence(
    program: WalkingProgram | None,
    changes: list[TargetChange],
    activity: dict[date, DayActivity],
    week_start: date,
) -> Adherence:
    """programs.adherence's definition, over days targeted as program_day_targets does."""
    targets = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        target = target_for_date(changes, day) if program and program.is_active_on(day) else None
        targets.append(
            DayTarget(day, 0, 0)
            if target is None
            else DayTarget(
                day, target.sessions_per_day, target.minutes_per_session, target.days_per_week
            )
        )
    return adherence_for_period(targets, activity)


def _week_change(changes: list[TargetChange], week_start: date, week_end: date) -> str:
    """The last change of target made effective during the week ('' when none)."""
    in_week = [c for c in changes if week_start <= c.effective_on <= week_end]
    return TargetChange.Reason(in_week[-1].reason).label if in_week else ""


def _next_target(
    program: WalkingProgram | None, changes: list[TargetChange], day: date
) -> tuple[int, int, int] | None:
    if program is None or not program.is_active_on(day):
        return None
    target = target_for_date(changes, day)
    if target is None:
        return None
    return (target.sessions_per_day, target.minutes_per_session, target.days_per_week)


def patient_weekly_summary(*, patient: Patient, week_start: date) -> PatientWeeklySummary:
    """One patient's week (a Monday in the clinic's calendar) for the portal and email."""
    (week,) = caseload_weeks(
        patients=Patient.objects.filter(id=patient.id),
        week_start=week_start,
        clinic_timezone=patient.clinic.timezone,
        trend_weeks=1,
    )
    return patient_summary(week, week_start, report_thresholds())
