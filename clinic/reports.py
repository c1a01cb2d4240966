"""Pure weekly-report rules: per-patient figures in, sorted rows, summary and charts out."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from programs.adherence import Adherence

# Float means such as 5.999999 must still count as a 2-point change.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Thresholds:
    """The clinic's configurable defaults (settings.WALKRX), passed in by the service."""

    adherent_ratio: float = 0.8
    low_adherence_ratio: float = 0.5
    pain_mcid_points: float = 2.0
    improvement_ratio: float = 0.3


@dataclass(frozen=True)
class PainSums:
    """Pain scores (check-ins and walks' pain-after) summed over a few local days."""

    total: int = 0
    count: int = 0

    def __add__(self, other: PainSums) -> PainSums:
        return PainSums(self.total + other.total, self.count + other.count)

    @property
    def mean(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None


@dataclass(frozen=True)
class PatientWeek:
    """What the queries found for one patient in one report week."""

    patient_id: int
    name: str
    timezone: str
    baseline_pain: int
    has_program: bool
    adherence: Adherence
    walks: int = 0
    brisk_walks: int = 0
    minutes_walked: int = 0
    active_days: int = 0
    pain_start: PainSums = PainSums()
    pain_end: PainSums = PainSums()
    flare_ups: int = 0
    alerts_opened: int = 0
    alerts_open: int = 0
    urgent_alerts_open: int = 0
    program_change: str = ""
    weekly_adherence: tuple[int | None, ...] = ()
    next_target: tuple[int, int, int] | None = None  # sessions/day, minutes, days/week
    outcomes: tuple[OutcomeChange, ...] = ()  # latest ODI/RMDQ by the week's end
    steps: int = 0  # imported daily steps: per day the largest source, summed over the week


@dataclass(frozen=True)
class OutcomeChange:
    """A patient's latest response of one outcome measure and its change from baseline."""

    measure: str
    answered_on: str
    score: float
    change: float
    improved: bool
    crossed_mcid: bool


@dataclass(frozen=True)
class PatientRow:
    """One line of the report, JSON-friendly."""

    patient_id: int
    name: str
    timezone: str
    sessions_done: int
    sessions_prescribed: float
    minutes_walked: int
    minutes_prescribed: float
    adherence_percent: int | None
    active_days: int
    walks: int
    brisk_percent: int | None
    pain_start: float | None
    pain_end: float | None
    pain_change: float | None
    pain_flag: str  # "worse", "better" or "" (a change of at least the 2-point MCID)
    pain_improved: bool  # 30%+ below baseline at the end of the week
    flare_ups: int
    alerts_opened: int
    alerts_open: int
    program_change: str
    attention: list[str]
    attention_level: int
    weekly_adherence: list[int | None] = field(default_factory=list)
    outcomes: list[OutcomeChange] = field(default_factory=list)
    steps: int = 0

    def as_json(self) -> dict:
        """dataclasses.asdict(self) without its recursive deep copy, which cost more than
        the rest of building a report's rows (a report has a row per patient)."""
        data = dict(self.__dict__)
        data["attention"] = list(self.attention)
        data["weekly_adherence"] = list(self.weekly_adherence)
        data["outcomes"] = [dict(o.__dict__) for o in self.outcomes]
        return data


@dataclass(frozen=True)
class CaseloadSummary:
    patients: int
    patients_active: int
    median_adherence: float | None
    adherent_percent: int | None
    improved_percent: int | None
    open_alerts: int


@dataclass(frozen=True)
class TrendPoint:
    week_start: str
    label: str
    percent: float | None


# Attention levels, most urgent first; a row takes the first that applies.
ATTENTION_RULES = (
    "Urgent alert open",
    "Pain up by the MCID",
    "Flare-up",
    "Alert open",
    "Adherence below the low threshold",
    "Adherence below target",
    "No program this week",
)
NO_ATTENTION = len(ATTENTION_RULES)


def percent(part: float, whole: float) -> int | None:
    return round(100 * part / whole) if whole else None


def pain_flag(change: float | None, mcid: float) -> str:
    """'worse' or 'better' when pain moved by at least the MCID (2 NPRS points)."""
    if change is None:
        return ""
    if change >= mcid - _EPSILON:
        return "worse"
    if change <= -mcid + _EPSILON:
        return "better"
    return ""


def is_improved(pain: float | None, baseline: int, ratio: float) -> bool:
    """Clinically important improvement: 30% or more below baseline."""
    return pain is not None and baseline > 0 and pain <= baseline * (1 - ratio) + _EPSILON


def attention_reasons(week: PatientWeek, flag: str, t: Thresholds) -> list[str]:
    """Why this patient needs the therapist's attention, most urgent first."""
    ratio = week.adherence.sessions_ratio
    checks = (
        week.urgent_alerts_open > 0,
        flag == "worse",
        week.flare_ups > 0,
        week.alerts_open > 0,
        ratio is not None and ratio < t.low_adherence_ratio - _EPSILON,
        ratio is not None and ratio < t.adherent_ratio - _EPSILON,
        not week.has_program or week.adherence.sessions_prescribed <= 0,
    )
    reasons = [rule for rule, hit in zip(ATTENTION_RULES, checks, strict=True) if hit]
    if "Adherence below the low threshold" in reasons:
        reasons.remove("Adherence below target")
    return reasons


def patient_row(week: PatientWeek, t: Thresholds) -> PatientRow:
    """Shape one patient's figures into a report line."""
    a = week.adherence
    start, end = week.pain_start.mean, week.pain_end.mean
    change = round(end - start, 2) if start is not None and end is not None else None
    flag = pain_flag(change, t.pain_mcid_points)
    reasons = attention_reasons(week, flag, t)
    return PatientRow(
        patient_id=week.patient_id,
        name=week.name,
        timezone=week.timezone,
        sessions_done=a.sessions_done,
        sessions_prescribed=round(a.sessions_prescribed, 1),
        minutes_walked=week.minutes_walked,
        steps=week.steps,
        minutes_prescribed=round(a.minutes_prescribed),
        adherence_percent=a.percent,
        active_days=week.active_days,
        walks=week.walks,
        brisk_percent=percent(week.brisk_walks, week.walks),
        pain_start=start,
        pain_end=end,
        pain_change=change,
        pain_flag=flag,
        pain_improved=is_improved(end, week.baseline_pain, t.improvement_ratio),
        flare_ups=week.flare_ups,
        alerts_opened=week.alerts_opened,
        alerts_open=week.alerts_open,
        program_change=week.program_change,
        attention=reasons,
        attention_level=ATTENTION_RULES.index(reasons[0]) if reasons else NO_ATTENTION,
        weekly_adherence=list(week.weekly_adherence),
        outcomes=list(week.outcomes),
    )


def attention_key(row: PatientRow) -> tuple:
    """Most urgent first; then lowest adherence; then by name."""
    adherence = 101 if row.adherence_percent is None else row.adherence_percent
    return (row.attention_level, adherence, row.name.lower(), row.patient_id)


def sort_by_attention(rows: Iterable[PatientRow]) -> list[PatientRow]:
    return sorted(rows, key=attention_key)


def caseload_summary(weeks: Sequence[PatientWeek], t: Thresholds) -> CaseloadSummary:
    """Patients active, median adherence, share adherent and improved, open alerts."""
    ratios = [w.adherence.sessions_ratio for w in weeks]
    ratios = [r for r in ratios if r is not None]
    ends = [w for w in weeks if w.pain_end.mean is not None]
    improved = [
        w for w in ends if is_improved(w.pain_end.mean, w.baseline_pain, t.improvement_ratio)
    ]
    adherent = [r for r in ratios if r >= t.adherent_ratio - _EPSILON]
    return CaseloadSummary(
        patients=len(weeks),
        patients_active=len(ratios),
        median_adherence=round(100 * statistics.median(ratios), 1) if ratios else None,
        adherent_percent=percent(len(adherent), len(ratios)),
        improved_percent=percent(len(improved), len(ends)),
        open_alerts=sum(w.alerts_open for w in weeks),
    )


def caseload_trend(weeks: Sequence[PatientWeek], week_start: date) -> list[TrendPoint]:
    """The caseload's median adherence in each of the weeks ending with ``week_start``."""
    count = max((len(w.weekly_adherence) for w in weeks), default=0) or 1
    points = []
    for i in range(count):
        monday = week_start - timedelta(weeks=count - 1 - i)
        values = [w.weekly_adherence[i] for w in weeks if len(w.weekly_adherence) > i]
        values = [v for v in values if v is not None]
        median = round(statistics.median(values), 1) if values else None
        points.append(TrendPoint(monday.isoformat(), f"W{monday.isocalendar()[1]:02d}", median))
    return points


# --- Charts: geometry only; the templates draw it as inline SVG. ---------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    below_target: bool


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline_y: float
    target_y: float
    bars: list[Bar]


def bar_chart(
    points: Sequence[TrendPoint],
    *,
    width: int = 320,
    height: int = 120,
    target: float = 80.0,
    label_space: int = 16,
) -> BarChart:
    """Bars of 0-100% adherence per week; weeks with nothing prescribed get no bar."""
    plot = height - 2 * label_space
    slot = width / max(len(points), 1)
    bars = []
    for i, p in enumerate(points):
        value = 0.0 if p.percent is None else max(0.0, min(100.0, p.percent))
        h = round(plot * value / 100, 2)
        bars.append(
            Bar(
                x=round(i * slot + slot * 0.15, 2),
                y=round(label_space + plot - h, 2),
                width=round(slot * 0.7, 2),
                height=h,
                label=p.label,
                value="-" if p.percent is None else f"{p.percent:g}%",
                below_target=p.percent is not None and p.percent < target,
            )
        )
    return BarChart(
        width=width,
        height=height,
        baseline_y=label_space + plot,
        target_y=round(label_space + plot * (1 - target / 100), 2),
        bars=bars,
    )


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # SVG polyline points; empty when there is nothing to draw
    last_x: float | None
    last_y: float | None


def sparkline(values: Sequence[float | None], *, width: int = 80, height: int = 18) -> Sparkline:
    """A 0-100 polyline; weeks without a value are skipped (the line joins its neighbours)."""
    pad = 2
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    coords = [
        (round(pad + i * step, 1), round(pad + (height - 2 * pad) * (1 - min(v, 100) / 100), 1))
        for i, v in enumerate(values)
        if v is not None
    ]
    if not coords:
        return Sparkline(width, height, "", None, None)
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{x},{y}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
    )


@dataclass(frozen=True)
class StepCurve:
    width: int
    height: int
    path: str  # SVG path of the step curve; empty when there is nothing to draw
    max_day: int
    half_y: float  # where survival is 50% (the median line)
    median_x: float | None


def step_curve(
    points: Sequence[tuple[int, float]],
    *,
    median_days: int | None = None,
    width: int = 240,
    height: int = 90,
) -> StepCurve:
    """A Kaplan-Meier step curve from (day, survival) points, starting at 100% on day 0."""
    max_day = max((day for day, _ in points), default=0)
    pad = 2

    def x(day: float) -> float:
        return round(pad + (width - 2 * pad) * day / max(max_day, 1), 1)

    def y(survival: float) -> float:
        return round(pad + (height - 2 * pad) * (1 - survival), 1)

    if not points:
        return StepCurve(width, height, "", 0, y(0.5), None)
    path, level = [f"M{x(0)},{y(1.0)}"], 1.0
    for day, survival in points:
        path.append(f"H{x(day)}")
        if survival != level:
            path.append(f"V{y(survival)}")
            level = survival
    return StepCurve(
        width=width,
        height=height,
        path=" ".join(path),
        max_day=max_day,
        half_y=y(0.5),
        median_x=None if median_days is None else x(median_days),
    )


# --- The patient's own weekly summary --------------------------------------


def encouragement(
    *,
    sessions_done: int,
    adherence_percent: int | None,
    active_days: int,
    pain_flag: str,
    walks: int = 0,
) -> str:
    """A short, honest message grounded in the patient's own numbers."""
    if adherence_percent is None:
        if walks:
            plural = "" if walks == 1 else "s"
            return f"You logged {walks} walk{plural} this week. Keep moving gently."
        return "No walks were prescribed this week. Your therapist will be in touch."
    if pain_flag == "worse":
        return (
            "Your pain went up this week. Shorter, more frequent walks can help; "
            "contact the clinic if it keeps rising."
        )
    if adherence_percent >= 100:
        return f"You did every prescribed walk on {active_days} days. Excellent work!"
    if adherence_percent >= 80:
        return f"You did {adherence_percent}% of your walks. You are right on track."
    if sessions_done:
        return (
            f"You did {sessions_done} walks ({adherence_percent}%). "
            "Every walk counts: try adding one more next week."
        )
    return "A new week is a fresh start: even a short walk today counts."


# --- Scheduling: Monday 07:00 in the clinic's time zone --------------------


def next_weekly_slot(now: datetime, tz_name: str, *, weekday: int = 0, hour: int = 7) -> datetime:
    """The first ``weekday`` at ``hour``:00 local time strictly after ``now``, in UTC.

    Built from the local date and wall-clock time, so a DST change between now and
    the slot still lands on 07:00 local.
    """
    tz = ZoneInfo(tz_name)
    today = now.astimezone(tz).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        slot = datetime.combine(day, time(hour), tzinfo=tz)
        if day.weekday() == weekday and slot > now:
            return slot.astimezone(UTC)
    raise AssertionError("unreachable: a weekday recurs within 8 days")


def report_week_for(due_at: datetime, tz_name: str) -> date:
    """The Monday of the full clinic week before the local date of ``due_at``."""
    local = due_at.astimezone(ZoneInfo(tz_name)).date()
    return local - timedelta(days=local.weekday() + 7)


def parse_iso_week(value: str) -> date:
    """'2026-W47' -> the Monday of that ISO week; ValueError on anything else."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", value.strip())
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except (TypeError, ValueError):
        raise ValueError(f"'{value}' is not an ISO week like 2026-W47.") from None


def iso_week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class NextWeekTarget:
    sessions_per_day: int
    minutes_per_session: int
    days_per_week: int


@dataclass(frozen=True)
class PatientWeeklySummary:
    """What a patient did in one week, next week's target and a word of encouragement."""

    patient_id: int
    week_start: date
    week_label: str
    sessions_done: int
    sessions_prescribed: float
    minutes_walked: int
    minutes_prescribed: float
    adherence_percent: int | None
    active_days: int
    walks: int
    brisk_percent: int | None
    pain_start: float | None
    pain_end: float | None
    pain_flag: str
    next_week: NextWeekTarget | None
    encouragement: str


def patient_summary(week: PatientWeek, week_start: date, t: Thresholds) -> PatientWeeklySummary:
    """A patient's own view of their week, from the same figures as the report."""
    row = patient_row(week, t)
    return PatientWeeklySummary(
        patient_id=week.patient_id,
        week_start=week_start,
        week_label=iso_week_label(week_start),
        sessions_done=row.sessions_done,
        sessions_prescribed=row.sessions_prescribed,
        minutes_walked=row.minutes_walked,
        minutes_prescribed=row.minutes_prescribed,
        adherence_percent=row.adherence_percent,
        active_days=row.active_days,
        walks=row.walks,
        brisk_percent=row.brisk_percent,
        pain_start=row.pain_start,
        pain_end=row.pain_end,
        pain_flag=row.pain_flag,
        next_week=NextWeekTarget(*week.next_target) if week.next_target else None,
        encouragement=encouragement(
            sessions_done=row.sessions_done,
            adherence_percent=row.adherence_percent,
            active_days=row.active_days,
            pain_flag=row.pain_flag,
            walks=row.walks,
        ),
    )
