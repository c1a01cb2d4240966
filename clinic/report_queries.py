"""Reads for the weekly reports: per-patient figures aggregated in the database.

The report week is the clinic's ISO week (Monday-Sunday dates). Each walk and pain
check-in counts on its ``local_date`` (the patient's own calendar day), so a patient
in another time zone is measured over their own Monday-Sunday. Alerts are instants
and count when opened within the clinic's Monday 00:00 to next Monday 00:00.

Queries do not grow with the number of patients: seven per chunk of ``CHUNK_SIZE``
patients (patients, programs, target changes, walks per day, check-ins, alerts, and the
latest ODI/RMDQ outcome measures).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum

from clinic.conf import walkrx_setting
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


def caseload_weeks(
    *,
    patients: QuerySet[Patient],
    week_start: date,
    clinic_timezone: str,
    trend_weeks: int = TREND_WEEKS,
) -> Iterator[PatientWeek]:
    """Each patient's figures for the week starting ``week_start`` (a Monday), in chunks."""
    last_id = 0
    while True:
        chunk = list(
            patients.filter(id__gt=last_id).select_related("user").order_by("id")[:CHUNK_SIZE]
        )
        if not chunk:
            return
        yield from _chunk_weeks(chunk, week_start, clinic_timezone, trend_weeks)
        if len(chunk) < CHUNK_SIZE:
            return
        last_id = chunk[-1].id


def _chunk_weeks(
    chunk: list[Patient], week_start: date, clinic_tz: str, trend_weeks: int
) -> Iterator[PatientWeek]:
    ids = [p.id for p in chunk]
    week_end = week_start + timedelta(days=6)
    trend_start = week_start - timedelta(weeks=trend_weeks - 1)
    programs = _programs(ids, week_end)
    changes = _changes(programs, trend_start, week_end + timedelta(days=7))
    walks = _walks(ids, trend_start, week_start, week_end)
    checkins = _checkins(ids, week_start, week_end)
    alerts = _alerts(ids, week_start, clinic_tz)
    outcomes = _outcomes(ids, week_end)
    steps = step_totals_by_patient_day(patient_ids=ids, start=week_start, end=week_end)
    for patient in chunk:
        program = programs.get(patient.id)
        program_changes = changes.get(program.id, []) if program else []
        patient_walks = walks.get(patient.id, _Walks())
        start_pain, end_pain, flare_ups = checkins.get(patient.id, (PainSums(), PainSums(), 0))
        activity = _activity(patient_walks.days, program, week_start, week_end)
        yield PatientWeek(
            patient_id=patient.id,
            name=patient.display_name,
            timezone=patient.timezone,
            baseline_pain=patient.baseline_pain,
            has_program=program is not None,
            adherence=_adherence(program, program_changes, activity, week_start),
            walks=patient_walks.walks,
            brisk_walks=patient_walks.brisk,
            minutes_walked=patient_walks.minutes,
            active_days=sum(1 for a in activity.values() if a.sessions > 0),
            pain_start=start_pain + patient_walks.pain_start,
            pain_end=end_pain + patient_walks.pain_end,
            flare_ups=flare_ups,
            **alerts.get(patient.id, {}),
            program_change=_week_change(program_changes, week_start, week_end),
            weekly_adherence=tuple(
                _adherence(
                    program,
                    program_changes,
                    _activity(patient_walks.days, program, monday, monday + timedelta(days=6)),
                    monday,
                ).percent
                for monday in (trend_start + timedelta(weeks=i) for i in range(trend_weeks))
            ),
            next_target=_next_target(program, program_changes, week_end + timedelta(days=1)),
            outcomes=outcomes.get(patient.id, ()),
            steps=sum(steps.get(patient.id, {}).values()),
        )


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
    qs = WalkingProgram.objects.filter(patient_id__in=ids, start_date__lte=week_end).order_by(
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
        WalkLog.objects.filter(patient_id__in=ids, local_date__range=(trend_start, week_end))
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
        PainCheckIn.objects.filter(patient_id__in=ids, date__range=(week_start, week_end))
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
        Alert.objects.filter(Q(patient_id__in=ids) & (in_week | is_open))
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
