"""The daily watch: adherence, pain trends and progression for a chunk of patients.

Each check evaluates, per patient, one local day: the given ``day`` (run_checks, backfills)
or the patient's most recent fully ended local day at ``now`` (the hourly beat tick), so a
patient in Sydney and one in New York are each judged on their own calendar days. A
CheckRun row per (patient, check) holds the last day checked; moving it forward, in the
same transaction as the check's writes, is the claim: a re-run, a retried task or a
concurrent worker finds the day taken and changes nothing more, and a day at or before
the last one checked is skipped (checks only move forward). Every check makes a fixed
number of queries per chunk, whatever the chunk's size: it fetches programs, targets,
walk sums and pain scores for the whole chunk and computes with the pure rules
(programs.adherence, programs.targets, patients.trends, programs.alert_rules,
programs.progression).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.bulk import insert_columns, update_columns
from clinic.conf import walkrx_setting
from clinic.models import Therapist
from clinic.pgarray import array_param
from clinic.timezones import known_timezones, local_date
from patients.models import Alert, PainCheckIn, Patient
from patients.services import AlertChange, UnresolvedAlerts, alerts_apply, alerts_unresolved
from patients.trends import PainTotals, PainTrend, pain_trend_from_totals
from programs.adherence import (
    Adherence,
    DayActivity,
    adherence_for_period,
    inactive_streak,
    missed_days_threshold,
)
from programs.alert_rules import (
    FLARE_UP,
    LOW_ADHERENCE,
    MISSED_SESSIONS,
    PAIN_RISING,
    adherence_alert_calls,
    pain_alert_calls,
)
from programs.maintenance import BOOSTER_WINDOW_DAYS, booster_call, maintenance_due_on
from programs.models import (
    BoosterPrompt,
    CheckRun,
    PainResponse,
    TargetChange,
    WalkingProgram,
    WalkLog,
    prescribes_on,
)
from programs.progression import (
    Action,
    Decision,
    PainSignal,
    ProgressionState,
    calm_days_from_totals,
    decide_progression,
    increment_due,
    may_change,
)
from programs.selectors import day_targets_from_changes, target_changes_in_force
from programs.services import MAINTENANCE_FIELDS, enter_maintenance
from programs.sql import prescribes_on_sql, target_in_force_sql, walk_counts_sql

logger = logging.getLogger(__name__)

# Patients a chunk task evaluates. Each statement of a chunk costs ~0.5 ms whatever its
# size (Django, the round trip, the plan): at 1,000 the pain check spent a tenth of its
# time on them (issue 7). 2,000 keeps a 10,000-patient tick at five tasks for the
# workers to share, each a fraction of a second.
CHUNK_SIZE = 2000
WINDOW_DAYS = 7
# Enough days for two 7-day pain windows and the longest missed-days streak (3 + 6 rest days).
LOOKBACK_DAYS = 2 * WINDOW_DAYS

ADHERENCE_ALERT_KINDS = (MISSED_SESSIONS, LOW_ADHERENCE)
PAIN_ALERT_KINDS = (FLARE_UP, PAIN_RISING)
_SEVERITY_ORDER = {Alert.Severity.URGENT: 0, Alert.Severity.WARNING: 1, Alert.Severity.INFO: 2}
_REASONS = {
    Action.PROGRESS: TargetChange.Reason.PROGRESSED,
    Action.HOLD: TargetChange.Reason.HELD,
    Action.RESUME: TargetChange.Reason.RESUMED,
}


@dataclass(frozen=True)
class ChunkResult:
    checked: int  # patients evaluated by this run (not checked for their day or a later one)
    alerts_opened: int = 0
    changes: int = 0  # progression history rows written
    boosters: list[int] | None = None  # booster prompts opened (ids), to email


# --- selectors for a chunk ------------------------------------------------


def watch_patient_ids() -> list[int]:
    """Ids of the active patients, in id order (the daily watch's population)."""
    return list(
        Patient.objects.filter(status=Patient.Status.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )


def chunked(ids: Sequence[int], size: int | None = None) -> Iterator[list[int]]:
    """Consecutive slices of ``size`` (default CHUNK_SIZE) ids."""
    size = size or CHUNK_SIZE
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def evaluation_day(*, tz_name: str, day: date | None, now: datetime) -> date:
    """The local day to judge: ``day`` if given, else the patient's last fully ended day."""
    return day or _last_ended_day(tz_name, now.astimezone(UTC))


def evaluation_days(
    zones: Iterable[tuple[int, str]], *, day: date | None, now: datetime
) -> dict[int, date]:
    """evaluation_day() for each (key, time zone) pair, called once per zone: a chunk's
    patients share a few. A given ``day`` that has not yet ended in a key's zone at
    ``now`` leaves that key out: judged on part of a day and claimed, the day would not
    be judged again once it ended (checks only move forward)."""
    zones = list(zones)
    by_zone = _zone_days({z for _, z in zones}, day=day, now=now)
    return {key: by_zone[tz] for key, tz in zones if tz in by_zone}


def _zone_days(zones: Iterable[str], *, day: date | None, now: datetime) -> dict[str, date]:
    """Each time zone's day to judge (evaluation_day()), without those where a given
    ``day`` has not yet ended."""
    return {
        tz: evaluation_day(tz_name=tz, day=day, now=now)
        for tz in zones
        if day is None or day <= _last_ended_day(tz, now.astimezone(UTC))
    }


@lru_cache(maxsize=1024)
def _last_ended_day(tz_name: str, now_utc: datetime) -> date:
    # Cached: a run's chunks share a few zones and one now, and the checks' table of every
    # zone (~600) must fit. Keyed on UTC, as two local times an hour apart (a DST fold)
    # compare equal.
    return local_date(now_utc, tz_name) - timedelta(days=1)


def _claim(kind: str, days: dict[int, date]) -> dict[int, date | None]:
    """Move each patient's CheckRun row for ``kind`` forward to their day; return the
    patients this run claimed, each with the day checked before (None on a first check).

    One statement: a patient without a row gets one; one whose row holds an earlier day has
    it moved forward; one whose row holds that day or a later one (an earlier or concurrent
    run, or a later day already checked) is left alone. RETURNING gives the rows this
    statement inserted or moved (bulk_create with update_conflicts cannot skip on a
    condition, and returns no ids for the rows it skips).
    """
    if not days:
        return {}
    pids = list(days)
    if connection.vendor == "postgresql":
        sql, params = _claim_sql(kind, days)
    else:
        day_field = CheckRun._meta.get_field("day")
        day_values = [day_field.get_db_prep_value(days[pid], connection) for pid in pids]
        source = "(VALUES " + ", ".join(["(%s, %s)"] * len(pids)) + ")"
        sql = _claim_insert_sql(source=source, patient="column1", day="column2")
        params = [kind, _claimed_at()]
        params += [value for pair in zip(pids, day_values, strict=True) for value in pair]
        params.append(kind)
    return {patient_id: previous_day for patient_id, _, previous_day in _fetch_all(sql, params)}


def _claim_sql(kind: str, days: dict[int, date]) -> tuple[str, list]:
    """The claim of _claim() on PostgreSQL (days as arrays), returning (patient, day, day
    checked before)."""
    sql = _claim_insert_sql(
        source="unnest(%s::bigint[], %s::date[]) AS v(p, d)", patient="v.p", day="v.d"
    )
    return sql, [kind, _claimed_at(), array_param(days.keys()), array_param(days.values()), kind]


def _claim_insert_sql(
    *, source: str, patient: str, day: str, last_checked: str | None = None
) -> str:
    """INSERT ... SELECT of CheckRun rows from ``source`` (kind and time the first two
    parameters, kind again the last), moving an existing row forward only to a later day,
    RETURNING the (patient, day, day checked before) of the rows inserted or moved.

    Rows already at the day or later are left out before the upsert: ON CONFLICT DO UPDATE
    locks the row it meets even where its WHERE then skips it, and 23 of a day's 24 hourly
    ticks find every patient claimed. The upsert's WHERE still settles a concurrent run, and
    the rows go in patient order, so two overlapping runs lock them in one order.
    ``last_checked``: the source's column of each patient's CheckRun day (NULL without
    one), if it has read them: rows are left out by it, and kind is not asked again.

    The day checked before is the one the upsert moves on from, not one read before it:
    a run for another day may hold the row, and move it, while the statement waits.
    """
    meta = CheckRun._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column = {f: quote(meta.get_field(f).column) for f in (*_CLAIM_FIELDS, "previous_day")}
    moved = ", ".join(f"{column[f]} = excluded.{column[f]}" for f in ("day", "checked_at"))
    moved += f", {column['previous_day']} = {table}.{column['day']}"
    inserted = ", ".join(column[f] for f in _CLAIM_FIELDS)
    if last_checked:
        unclaimed = f"({last_checked} IS NULL OR {last_checked} < {day})"
    else:
        unclaimed = (
            f"NOT EXISTS (SELECT 1 FROM {table} c "  # noqa: S608 - quoted model names
            f"WHERE c.{column['patient']} = {patient} "
            f"AND c.{column['kind']} = %s AND c.{column['day']} >= {day})"
        )
    return (
        f"INSERT INTO {table} ({inserted}) "  # noqa: S608 - quoted model names
        f"SELECT {patient}, %s, {day}, %s FROM {source} WHERE {unclaimed} "
        f"ORDER BY {patient} "
        f"ON CONFLICT ({column['patient']}, {column['kind']}) DO UPDATE SET {moved} "
        f"WHERE {table}.{column['day']} < excluded.{column['day']} "
        f"RETURNING {column['patient']}, {column['day']}, {column['previous_day']}"
    )


def _claimed_at() -> datetime:
    return CheckRun._meta.get_field("checked_at").get_db_prep_value(timezone.now(), connection)


_CLAIM_FIELDS = ("patient", "kind", "day", "checked_at")


def _changes_by_program(
    programs: Iterable[WalkingProgram], start: date, end: date
) -> dict[int, list[TargetChange]]:
    """Each program's target changes in force on days ``start``..``end``, in creation order
    (one query; programs.selectors.target_changes_in_force)."""
    return defaultdict(
        list, target_changes_in_force(program_ids=[p.id for p in programs], start=start, end=end)
    )


# Per patient and local day: (sessions, minutes, indoor sessions, indoor minutes).
_DaySums = tuple[int, int, int, int]
# Per patient and local day: (sum of pain scores, number of scores, highest score).
_DayPain = list


def _walk_days(
    patient_ids: Iterable[int], start: date, end: date, *, sums: bool = True, pain: bool = False
) -> tuple[dict[int, dict[date, _DaySums]], dict[int, dict[date, _DayPain]]]:
    """Per patient and local day, the walks' sessions and minutes (indoor marching apart)
    and/or their pain-after totals, summed in SQL (one query)."""
    walks = WalkLog.objects.filter(
        patient_id__any=list(patient_ids), local_date__range=(start, end)
    )
    if not sums:
        walks = walks.filter(pain_after__isnull=False)
    indoor = Q(kind=WalkLog.Kind.INDOOR_MARCHING)
    figures = {}
    if sums:
        figures |= {
            "sessions": Count("id"),
            "minutes": Sum("duration_minutes"),
            "indoor_sessions": Count("id", filter=indoor),
            "indoor_minutes": Coalesce(Sum("duration_minutes", filter=indoor), 0),
        }
    if pain:
        figures |= {
            "pain_sum": Coalesce(Sum("pain_after"), 0),
            "pain_n": Count("pain_after"),
            "pain_max": Max("pain_after"),
        }
    rows = (
        walks.values("patient_id", "local_date")
        .annotate(**figures)
        .order_by()
        .values_list("patient_id", "local_date", *figures)
    )
    by_day: dict[int, dict[date, _DaySums]] = defaultdict(dict)
    pain_by_day: dict[int, dict[date, _DayPain]] = defaultdict(dict)
    for row in rows:
        pid, day = row[0], row[1]
        if sums:
            by_day[pid][day] = row[2:6]
        if pain and row[-2]:
            pain_by_day[pid][day] = list(row[-3:])
    return by_day, pain_by_day


def _walk_sums(
    patient_ids: Iterable[int], start: date, end: date
) -> dict[int, dict[date, _DaySums]]:
    """Sessions and minutes per patient and local day, indoor marching apart (one query)."""
    return _walk_days(patient_ids, start, end)[0]


def _activity(program: WalkingProgram, sums: dict[date, _DaySums]) -> dict[date, DayActivity]:
    """The walks that count for this program (indoor marching only where it allows it)."""
    if program.indoor_allowed:
        return {d: DayActivity(d, s[0], s[1]) for d, s in sums.items()}
    return {d: DayActivity(d, s[0] - s[2], s[1] - s[3]) for d, s in sums.items()}


@dataclass
class _PainData:
    days: dict[int, dict[date, _DayPain]]  # [sum, count, max] of the day's scores
    flare_days: dict[int, set[date]]


def _pain_data(
    patient_ids: Iterable[int], start: date, end: date, walk_pain: dict[int, dict[date, _DayPain]]
) -> _PainData:
    """Check-in scores (one query) added to the walks' pain-after totals, and reported
    flare-ups, per patient and day."""
    days = walk_pain
    flares: dict[int, set[date]] = defaultdict(set)
    for pid, day, score, flare in PainCheckIn.objects.filter(
        patient_id__any=list(patient_ids), date__range=(start, end)
    ).values_list("patient_id", "date", "score", "flare_up"):
        totals = days[pid].get(day)
        if totals is None:
            days[pid][day] = [score, 1, score]
        else:
            totals[0] += score
            totals[1] += 1
            totals[2] = max(totals[2], score)
        if flare:
            flares[pid].add(day)
    return _PainData(days=days, flare_days=flares)


# Per patient and local day in the window: the sum, count and highest of the check-in
# score and the walks' pain-after, and whether a flare-up was reported (as _pain_data).
# A check-in is one a day (paincheckin_one_per_day), so it joins the day's walk totals;
# a UNION ALL grouped afterwards sorted twice the rows and took twice as long.
_DAY_PAIN_SQL = """
WITH walks AS (
    SELECT w.patient_id, w.local_date AS day, sum(w.pain_after) AS total, count(*) AS n,
           max(w.pain_after) AS highest
    FROM programs_walklog w
    WHERE w.patient_id = ANY(%(ids)s::bigint[]) AND w.local_date BETWEEN %(start)s AND %(end)s
      AND w.pain_after IS NOT NULL
    GROUP BY 1, 2
), checkins AS (
    SELECT c.patient_id, c.date AS day, c.score, c.flare_up
    FROM patients_paincheckin c
    WHERE c.patient_id = ANY(%(ids)s::bigint[]) AND c.date BETWEEN %(start)s AND %(end)s
)
SELECT coalesce(w.patient_id, c.patient_id), coalesce(w.day, c.day),
       coalesce(w.total, 0) + coalesce(c.score, 0),
       coalesce(w.n, 0) + (c.score IS NOT NULL)::int,
       greatest(w.highest, c.score),
       coalesce(c.flare_up, false)
FROM walks w FULL JOIN checkins c ON c.patient_id = w.patient_id AND c.day = w.day
"""


def _day_pain(patient_ids: Iterable[int], start: date, end: date) -> _PainData:
    """Pain scores and flare-ups per patient and local day (one query on PostgreSQL, else two)."""
    if connection.vendor != "postgresql":
        _, walk_pain = _walk_days(patient_ids, start, end, sums=False, pain=True)
        return _pain_data(patient_ids, start, end, walk_pain)
    days: dict[int, dict[date, _DayPain]] = defaultdict(dict)
    flares: dict[int, set[date]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(_DAY_PAIN_SQL, {"ids": array_param(patient_ids), "start": start, "end": end})
        for pid, day, total, count, highest, flare in cursor.fetchall():
            days[pid][day] = [total, count, highest]
            if flare:
                flares[pid].add(day)
    return _PainData(days=days, flare_days=flares)


def _pain_between(by_day: dict[date, _DayPain], start: date, end: date) -> PainTotals:
    total = count = 0
    highest = None
    for day, (day_sum, day_count, day_max) in by_day.items():
        if start <= day <= end:
            total += day_sum
            count += day_count
            highest = day_max if highest is None else max(highest, day_max)
    return PainTotals(total, count, highest)


class _Rules(NamedTuple):
    """The clinical thresholds (settings.WALKRX) the checks apply to each patient, read
    once per chunk rather than a few times per patient."""

    pain_rise_points: float
    pain_severe_score: int
    pain_improvement_ratio: float
    missed_days: int
    low_adherence_ratio: float
    adherent_ratio: float

    @classmethod
    def from_settings(cls) -> _Rules:
        return cls._make(walkrx_setting(name.upper()) for name in cls._fields)


def _trend(
    baseline_pain: int, current: PainTotals, previous: PainTotals, rules: _Rules
) -> PainTrend:
    return pain_trend_from_totals(
        current,
        previous,
        baseline_pain,
        rise_points=rules.pain_rise_points,
        severe_score=rules.pain_severe_score,
        improvement_ratio=rules.pain_improvement_ratio,
    )


# Per patient: the 7 days' pain totals, the 7 before, and the flare-up days of the 7.
_PainFigures = tuple[PainTotals, PainTotals, list[date]]


def _claim_with_pain(kind: str, days: dict[int, date]) -> dict[int, _PainFigures]:
    """Claim (patient, day) as _claim(); per patient claimed, their day's pain windows
    (one statement on PostgreSQL, else three)."""
    if not days:
        return {}
    if connection.vendor == "postgresql":
        return _claim_with_pain_sql(kind, days)
    return _pain_windows({pid: days[pid] for pid in _claim(kind, days)})


def _pain_windows(days: dict[int, date]) -> dict[int, _PainFigures]:
    """Per patient, the pain windows of their day (two queries)."""
    if not days:
        return {}
    start, end = _window(days)
    _, walk_pain = _walk_days(days, start, end, sums=False, pain=True)
    pain = _pain_data(days, start, end, walk_pain)
    out = {}
    for pid, day in days.items():
        by_day = pain.days.get(pid, {})
        start = day - timedelta(days=WINDOW_DAYS - 1)
        out[pid] = (
            _pain_between(by_day, start, day),
            _pain_between(by_day, start - timedelta(days=WINDOW_DAYS), start - timedelta(days=1)),
            [d for d in pain.flare_days.get(pid, ()) if start <= d <= day],
        )
    return out


def _window_totals(score: str, day: str) -> str:
    """SQL: the sum, count and highest of ``score`` in the 7 days to pa.d (s1, n1, m1) and
    in the 7 before (s0, n0, m0), over rows ``x`` of one patient's two windows."""
    windows = {"1": f"{day} > pa.d - 7", "0": f"{day} <= pa.d - 7"}
    return ", ".join(
        f"sum({score}) FILTER (WHERE {cond}) AS s{k}, "
        f"count({score}) FILTER (WHERE {cond}) AS n{k}, "
        f"max({score}) FILTER (WHERE {cond}) AS m{k}"
        for k, cond in windows.items()
    )


# The claim, then the check-ins' scores and the walks' pain-after over each claimed
# patient's two 7-day windows (the 7 days to their evaluated day, and the 7 before), as
# _pain_data and _pain_between. A data-modifying WITH is run once, and the rest of the
# statement reads the rows it returned: one round trip where a claim and a read were two.
# Each source is summed per patient in a LATERAL subquery, straight off its index scan:
# a UNION ALL of both, sorted and grouped by patient, took half as long again (issue 7).
# A check-in is one a day (paincheckin_one_per_day): its flare-up days need no DISTINCT.
# Formatted twice: the sums now; then what comes before the claim ({{before}}), the claim
# ({{claim}}), and further columns ({{columns}}) and joins ({{joins}}) by its callers.
_PAIN_SQL = """
WITH {{before}}pa (patient_id, d, previous_day) AS (
    {{claim}}
)
SELECT pa.patient_id,
       (coalesce(w.s1, 0) + coalesce(c.s1, 0))::bigint, w.n1 + c.n1, greatest(w.m1, c.m1),
       (coalesce(w.s0, 0) + coalesce(c.s0, 0))::bigint, w.n0 + c.n0, greatest(w.m0, c.m0),
       c.flares{{columns}}
FROM pa
CROSS JOIN LATERAL (
    SELECT {walks}
    FROM programs_walklog x
    WHERE x.patient_id = pa.patient_id AND x.local_date BETWEEN pa.d - 13 AND pa.d
      AND x.pain_after IS NOT NULL
) w
CROSS JOIN LATERAL (
    SELECT {checkins}, array_agg(x.date) FILTER (WHERE x.flare_up AND x.date > pa.d - 7) AS flares
    FROM patients_paincheckin x
    WHERE x.patient_id = pa.patient_id AND x.date BETWEEN pa.d - 13 AND pa.d
) c{{joins}}
""".format(  # noqa: S608 - constant SQL, values are parameters
    walks=_window_totals("x.pain_after", "x.local_date"),
    checkins=_window_totals("x.score", "x.date"),
)


def _pain_figures(row: Sequence) -> _PainFigures:
    """The figures of a _PAIN_SQL row, after its patient id."""
    return PainTotals(*row[0:3]), PainTotals(*row[3:6]), row[6] or []


def _claim_with_pain_sql(kind: str, days: dict[int, date]) -> dict[int, _PainFigures]:
    claim, params = _claim_sql(kind, days)
    rows = _fetch_all(_PAIN_SQL.format(before="", claim=claim, columns="", joins=""), params)
    return {pid: _pain_figures(row) for pid, *row in rows}


# A patient's CheckRun day for the kind (a parameter), in a claim statement's source: a
# subquery a row, which reads the claim's unique index whatever the statistics say. As a
# join, on a first day (no claims when the table was last analysed) the planner scanned
# each chunk's earlier claims once for every patient: 1.3 s for the tenth chunk of 20,000.
_LAST_CHECKED_SQL = (
    "(SELECT c.day FROM programs_checkrun c WHERE c.patient_id = p.id AND c.kind = %s)"
)


# The pain check's claim in one statement: before it, the chunk's active patients with
# their day, looked up by time zone in a table of every zone's day (zoneinfo's days, as
# evaluation_days(), whatever zones the chunk holds; validate_timezone admits only those),
# and their claim's day (to leave out those already checked); after it, each claimed
# patient's day, baseline and day checked before (the claim's own) beside their pain
# windows. The patients were a round trip of their own, and their ORM query a
# tenth of the check (issue 7). The watch's own records (alerts, responses) are read after
# it, not in it: a run for another day holding a claim row until it commits wrote records
# that this statement's snapshot, taken before it waited, would not see.
_PAIN_CHECK_SQL = _PAIN_SQL.format(
    before=f"""src AS MATERIALIZED (
    SELECT p.id, z.d, p.baseline_pain, {_LAST_CHECKED_SQL} AS last_checked
    FROM patients_patient p JOIN unnest(%s::text[], %s::date[]) AS z (tz, d) ON z.tz = p.timezone
    WHERE p.id = ANY(%s::bigint[]) AND p.status = %s
), """,  # noqa: S608 - constant SQL, values are parameters
    claim=_claim_insert_sql(
        source="src", patient="src.id", day="src.d", last_checked="src.last_checked"
    ),
    columns=",\n       src.d, src.baseline_pain, pa.previous_day",
    joins="\nJOIN src ON src.id = pa.patient_id",
)


def _pain_claims_sql(
    patient_ids: Sequence[int], *, day: date | None, now: datetime
) -> dict[int, _PainInputs]:
    kind = CheckRun.Kind.PAIN.value
    params = _source_params(kind, patient_ids, day=day, now=now)
    rows = _fetch_all(_PAIN_CHECK_SQL, [*params, Patient.Status.ACTIVE.value, kind, _claimed_at()])
    return {pid: _PainInputs(*row[7:9], *_pain_figures(row), row[9]) for pid, *row in rows}


def _source_params(kind: str, patient_ids: Sequence[int], *, day: date | None, now: datetime):
    """The first parameters of a claim statement whose source reads the chunk itself: the
    kind (for the day checked before), every zone's day, and the chunk's ids."""
    return [kind, *_zone_day_arrays(day, now.astimezone(UTC)), array_param(patient_ids)]


@lru_cache(maxsize=8)
def _zone_day_arrays(day: date | None, now_utc: datetime) -> tuple[str | list, str | list]:
    """Every known time zone's day to judge (_zone_days()), as the arrays of zones and of
    days. Cached: a tick's chunks share its day and now, and rendering ~600 zones cost more
    than a chunk's rules for a hundred patients (issue 7)."""
    zone_days = _zone_days(known_timezones(), day=day, now=now_utc)
    return array_param(zone_days.keys()), array_param(zone_days.values())


def _fetch_all(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _window(days: dict[int, date], lookback: int = LOOKBACK_DAYS) -> tuple[date, date]:
    return min(days.values()) - timedelta(days=lookback - 1), max(days.values())


class _ProgramRow(NamedTuple):
    """The fields of a current program that the adherence check reads: a plain row, since
    building a model instance per program (and one for its patient) cost a quarter of
    the check (issue 7)."""

    id: int
    patient_id: int
    days_per_week: int
    indoor_allowed: bool
    status: str
    start_date: date
    end_date: date | None
    timezone: str  # the patient's

    def is_active_on(self, day: date) -> bool:
        return prescribes_on(
            status=self.status, start_date=self.start_date, end_date=self.end_date, day=day
        )


# Row fields read from the program's patient.
_PATIENT_LOOKUPS = {"timezone": "patient__timezone", "baseline_pain": "patient__baseline_pain"}


def _program_rows(row_type, patient_ids: Sequence[int], **filters) -> list:
    """The chunk's programs of active patients matching ``filters``, as ``row_type``
    NamedTuples (one query, no model instances)."""
    rows = (
        WalkingProgram.objects.filter(
            patient_id__any=list(patient_ids), patient__status=Patient.Status.ACTIVE, **filters
        )
        .order_by()
        .values_list(*(_PATIENT_LOOKUPS.get(name, name) for name in row_type._fields))
    )
    return [row_type._make(row) for row in rows]


def _current_programs(patient_ids: Sequence[int], **filters) -> list[WalkingProgram]:
    return list(
        WalkingProgram.objects.filter(
            patient_id__any=list(patient_ids), patient__status=Patient.Status.ACTIVE, **filters
        ).select_related("patient")
    )


class _Span(NamedTuple):
    """A program's days to judge: ``days`` local days to ``end`` for the inactive streak,
    the last ``adherence_days`` of them for adherence."""

    end: date
    days: int
    adherence_days: int


def _program_figures(
    programs: Sequence[WalkingProgram], spans: dict[int, _Span]
) -> dict[int, tuple[Adherence, int]]:
    """Per program (id): adherence and inactive streak over its span (two queries, or one
    on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return _program_figures_sql(spans)
    start = min(s.end - timedelta(days=s.days - 1) for s in spans.values())
    end = max(s.end for s in spans.values())
    history = _changes_by_program(programs, start, end)
    sums = _walk_sums({p.patient_id for p in programs}, start, end)
    out = {}
    for program in programs:
        span = spans[program.id]
        activity = _activity(program, sums.get(program.patient_id, {}))
        targets = day_targets_from_changes(
            program=program,
            changes=history[program.id],
            start=span.end - timedelta(days=span.days - 1),
            end=span.end,
        )
        adherence = adherence_for_period(targets[-span.adherence_days :], activity)
        out[program.id] = (adherence, inactive_streak(targets, activity))
    return out


# The same figures as adherence_for_period() and inactive_streak() over
# day_targets_from_changes(): each day's target is the latest change effective on or
# before it (the last created of a day), none on days the program does not prescribe
# (WalkingProgram.is_active_on); a day's sessions count up to its target; indoor
# marching only where the program allows it. Prescribed figures come as sevenths.
_FIGURES_SQL = """
WITH prog AS (
    SELECT v.program_id, v.d, v.span, v.adh, wp.patient_id, wp.indoor_allowed, wp.status,
           wp.start_date, wp.end_date
    FROM unnest(%s::bigint[], %s::date[], %s::int[], %s::int[]) AS v(program_id, d, span, adh)
    JOIN programs_walkingprogram wp ON wp.id = v.program_id
), days AS (
    SELECT prog.*, k, prog.d - k AS day
    FROM prog CROSS JOIN LATERAL generate_series(0, prog.span - 1) AS k
), tgt AS (
    SELECT days.program_id, days.k, days.day, days.adh, days.span,
           t.sessions_per_day AS spd, t.minutes_per_session AS mps, t.days_per_week AS dpw
    FROM days
    LEFT JOIN {target} t ON {prescribes}
), walks AS (
    SELECT prog.program_id, w.local_date,
           count(*) FILTER (WHERE {counts}) AS n,
           coalesce(sum(w.duration_minutes) FILTER (WHERE {counts}), 0) AS m
    FROM prog JOIN programs_walklog w ON w.patient_id = prog.patient_id
    WHERE w.local_date BETWEEN prog.d - prog.span + 1 AND prog.d
    GROUP BY 1, 2
)
SELECT tgt.program_id,
       coalesce(sum(least(coalesce(w.n, 0), spd)) FILTER (WHERE k < adh AND spd > 0), 0)::bigint,
       coalesce(sum(spd::int * dpw) FILTER (WHERE k < adh AND spd > 0), 0)::bigint,
       coalesce(sum(w.m) FILTER (WHERE k < adh AND spd > 0), 0)::bigint,
       coalesce(sum(spd::int * dpw * mps) FILTER (WHERE k < adh AND spd > 0), 0)::bigint,
       coalesce(min(k) FILTER (WHERE spd IS NULL OR spd <= 0 OR w.n > 0), max(span))
FROM tgt LEFT JOIN walks w ON w.program_id = tgt.program_id AND w.local_date = tgt.day
GROUP BY tgt.program_id
""".format(  # noqa: S608 - constant SQL, values are parameters
    target=target_in_force_sql(program="days.program_id", day="days.day"),
    prescribes=prescribes_on_sql(program="days", day="days.day"),
    counts=walk_counts_sql(indoor_allowed="prog.indoor_allowed", kind="w.kind"),
)


def _program_figures_sql(spans: dict[int, _Span]) -> dict[int, tuple[Adherence, int]]:
    ids = list(spans)
    params = [
        array_param(ids),
        array_param(spans[i].end for i in ids),
        array_param(spans[i].days for i in ids),
        array_param(spans[i].adherence_days for i in ids),
    ]
    rows = _fetch_all(_FIGURES_SQL, params)
    return {
        program_id: (
            # Python sums sevenths as floats and rounds to 6 places; a whole number of
            # sevenths is never within float error of a rounding boundary, so
            # round(total / 7, 6) is the same number.
            Adherence(
                sessions_done=done,
                sessions_prescribed=round(prescribed / 7, 6),
                minutes_done=minutes,
                minutes_prescribed=round(minutes_prescribed / 7, 6),
            ),
            streak,
        )
        for program_id, done, prescribed, minutes, minutes_prescribed, streak in rows
    }


# --- the checks -----------------------------------------------------------


@transaction.atomic
def adherence_check(
    *, patient_ids: Sequence[int], day: date | None = None, now: datetime | None = None
) -> ChunkResult:
    """Missed-sessions and low-adherence alerts for a chunk of patients (7 queries at most).

    Idempotent: a patient already checked for their day, or a later one, is skipped
    (CheckRun).
    """
    now = now or timezone.now()
    # Query 1: the chunk's current programs (active, flare-up or paused).
    programs = _program_rows(_ProgramRow, patient_ids, status__in=WalkingProgram.CURRENT_STATUSES)
    days = evaluation_days(((p.patient_id, p.timezone) for p in programs), day=day, now=now)
    claimed = _claim(CheckRun.Kind.ADHERENCE, days)  # Query 2
    programs = [p for p in programs if p.patient_id in claimed]
    if not programs:
        return ChunkResult(checked=0)
    # The streak may reach back beyond the 7 days (up to two weeks).
    spans = {p.id: _Span(days[p.patient_id], LOOKBACK_DAYS, WINDOW_DAYS) for p in programs}
    figures = _program_figures(programs, spans)  # Query 3 (PostgreSQL), else 3-4
    # Query 4, else 5: their adherence alerts (only those can be closed).
    existing = alerts_unresolved(patient_ids=claimed, kinds=ADHERENCE_ALERT_KINDS)
    alerted = _kinds_by_patient(existing)
    rules = _Rules.from_settings()
    changes = []
    for program in programs:
        adherence, streak = figures[program.id]
        pid = program.patient_id
        changes += _adherence_changes(
            program, adherence, streak, days[pid], rules, alerted.get(pid, ())
        )
    # At most 3 queries on PostgreSQL (elsewhere in batches of the parameter limit).
    opened = alerts_apply(changes=changes, now=now, existing=existing)
    return ChunkResult(checked=len(programs), alerts_opened=opened)


def _kinds_by_patient(existing: UnresolvedAlerts) -> dict[int, list[str]]:
    """Per patient, the kinds of their unresolved alerts: the only ones a call can close."""
    kinds = defaultdict(list)
    for patient_id, kind in existing:
        kinds[patient_id].append(kind)
    return kinds


def program_window_adherence(
    program: WalkingProgram,
    changes: list[TargetChange],
    activity: dict[date, DayActivity],
    *,
    end: date,
    days: int = WINDOW_DAYS,
) -> tuple[Adherence, int]:
    """Adherence over ``days`` local days to ``end`` and the inactive streak ending there."""
    targets = day_targets_from_changes(
        program=program, changes=changes, start=end - timedelta(days=days - 1), end=end
    )
    return adherence_for_period(targets, activity), inactive_streak(targets, activity)


def _adherence_changes(
    program: WalkingProgram,
    adherence: Adherence,
    streak: int,
    day: date,
    rules: _Rules,
    closable: Sequence[str],
) -> list[AlertChange]:
    threshold = missed_days_threshold(program.days_per_week, rules.missed_days)
    calls = adherence_alert_calls(
        adherence,
        streak,
        day=day,
        missed_threshold=threshold,
        low_ratio=rules.low_adherence_ratio,
        closable=closable,
    )
    return [AlertChange(program.patient_id, c.kind, c.open, c.message) for c in calls]


@transaction.atomic
def pain_check(
    *, patient_ids: Sequence[int], day: date | None = None, now: datetime | None = None
) -> ChunkResult:
    """Pain-rising and flare-up alerts, and clinically important responses (9 queries at most
    on PostgreSQL, 12 elsewhere).

    Idempotent: a patient already checked for their day, or a later one, is skipped
    (CheckRun).
    """
    now = now or timezone.now()
    # Query 1 on PostgreSQL, else 1-4: the chunk's active patients claimed for their day,
    # with their baseline, last check and pain windows.
    claimed = _pain_claims(patient_ids, day=day, now=now)
    if not claimed:
        return ChunkResult(checked=0)
    # Queries 2-3, else 5-6: their unresolved pain alerts and open responses.
    existing = alerts_unresolved(patient_ids=claimed, kinds=PAIN_ALERT_KINDS)
    responding = _open_responses(claimed)
    alerted = _kinds_by_patient(existing)
    rules = _Rules.from_settings()
    changes, responses, ended = [], [], {}
    for patient_id, inputs in claimed.items():
        evaluated = inputs.day
        trend = _trend(inputs.baseline, inputs.current, inputs.previous, rules)
        calls = pain_alert_calls(
            trend, inputs.flare_days, day=evaluated, closable=alerted.get(patient_id, ())
        )
        changes += [AlertChange(patient_id, c.kind, c.open, c.message) for c in calls]
        response = responding.get(patient_id)
        if trend.improved:
            if response is None:
                responses.append((patient_id, evaluated, round(trend.mean, 2), inputs.baseline))
        elif response is not None:
            response_id, first_day = response
            # It held on the day checked before (else it would have ended then).
            ended[response_id] = max(inputs.last_checked or first_day, first_day)
    # Queries 4-6 on PostgreSQL, else 7-9.
    opened = alerts_apply(changes=changes, now=now, existing=existing)
    if responses:  # Queries 7-8, else 10-11
        # A patient paused or discharged since the claim statement read them has had their
        # response ended (programs.services.pain_response_end): none is opened beside it.
        active = _active_patients(patient_id for patient_id, *_ in responses)
        responses = [r for r in responses if r[0] in active]
    if responses:
        fields = ("patient_id", "first_day", "mean_pain", "baseline_pain")
        insert_columns(
            PainResponse,
            dict(zip(fields, zip(*responses, strict=True), strict=True)),
            ignore_conflicts=True,
        )
    if ended:  # Query 9, else 12
        update_columns(PainResponse, {"id": list(ended), "last_day": list(ended.values())})
    return ChunkResult(checked=len(claimed), alerts_opened=opened)


class _PainInputs(NamedTuple):
    """What the pain check reads of a patient claimed for their day."""

    day: date
    baseline: int
    current: PainTotals  # the 7 days to ``day``
    previous: PainTotals  # the 7 before
    flare_days: list[date]  # in the 7 days to ``day``
    last_checked: date | None  # the day checked before this one


def _pain_claims(
    patient_ids: Sequence[int], *, day: date | None, now: datetime
) -> dict[int, _PainInputs]:
    """The chunk's active patients claimed for their day (as _claim()), with what the pain
    check reads of each."""
    if connection.vendor == "postgresql":
        return _pain_claims_sql(patient_ids, day=day, now=now)
    patients = list(
        Patient.objects.filter(id__any=list(patient_ids), status=Patient.Status.ACTIVE)
        .order_by()  # not by name (Patient.Meta.ordering), which joins the users
        .values_list("id", "timezone", "baseline_pain")
    )
    days = evaluation_days(((pid, tz) for pid, tz, _ in patients), day=day, now=now)
    last_checked = _claim(CheckRun.Kind.PAIN, days)
    figures = _pain_windows({pid: days[pid] for pid in last_checked})
    return {
        pid: _PainInputs(days[pid], baseline, *figures[pid], last_checked[pid])
        for pid, _, baseline in patients
        if pid in last_checked
    }


def _active_patients(patient_ids: Iterable[int]) -> set[int]:
    """Which of these patients are active now (one query)."""
    return set(
        Patient.objects.filter(id__any=list(patient_ids), status=Patient.Status.ACTIVE)
        .order_by()
        .values_list("id", flat=True)
    )


def _open_responses(patient_ids: Collection[int]) -> dict[int, tuple[int, date]]:
    """{patient: (id, first day)} of these patients' open pain responses (one query)."""
    return {
        patient_id: (response_id, first_day)
        for patient_id, response_id, first_day in PainResponse.objects.filter(
            patient_id__any=patient_ids, last_day__isnull=True
        ).values_list("patient_id", "id", "first_day")
    }


class _Program(NamedTuple):
    """A program as progression reads it: plain values, as a chunk has thousands of them
    and model instances cost more than the decisions."""

    id: int
    patient_id: int
    timezone: str  # the patient's
    baseline_pain: int  # the patient's
    status: str
    start_date: date
    end_date: date | None
    indoor_allowed: bool
    sessions_per_day: int
    minutes_per_session: int
    days_per_week: int
    increment_minutes: int
    increment_every_days: int
    max_minutes_per_session: int
    pre_flare_sessions_per_day: int | None
    pre_flare_minutes_per_session: int | None
    pre_flare_pain: float | None
    last_progression_on: date | None

    def is_active_on(self, day: date) -> bool:
        return prescribes_on(
            status=self.status, start_date=self.start_date, end_date=self.end_date, day=day
        )


def _progression_programs(patient_ids: Sequence[int]) -> list[_Program]:
    """The chunk's programs that may progress, as plain rows (one query)."""
    return _program_rows(
        _Program,
        patient_ids,
        status__in=[WalkingProgram.Status.ACTIVE, WalkingProgram.Status.FLARE_UP],
        progression_locked=False,
        progression_paused_for_red_flag=False,
        # Maintenance holds the target: progression is for the active phase only.
        phase=WalkingProgram.Phase.ACTIVE,
    )


def _progression_inputs(
    patient_ids: Sequence[int], *, day: date | None, now: datetime
) -> tuple[list[_Program], dict[int, date], dict[int, _PainFigures]]:
    """The chunk's programs that may progress (_progression_programs()) and prescribe on
    their patient's day, those patients claimed for it (as _claim()): the programs, the
    days, and the patients' pain windows."""
    if connection.vendor == "postgresql":
        return _progression_inputs_sql(patient_ids, day=day, now=now)
    programs = _progression_programs(patient_ids)
    days = evaluation_days(((p.patient_id, p.timezone) for p in programs), day=day, now=now)
    # A program that has not started or has ended by the evaluated day is left alone.
    programs = [p for p in programs if p.patient_id in days and p.is_active_on(days[p.patient_id])]
    pain = _claim_with_pain(
        CheckRun.Kind.PROGRESSION, {p.patient_id: days[p.patient_id] for p in programs}
    )
    return [p for p in programs if p.patient_id in pain], days, pain


# Progression's inputs in one statement, as the pain check's (_PAIN_CHECK_SQL): before
# the claim, the chunk's programs that may progress (_progression_programs()) and
# prescribe on their patient's day; after it, the claimed patients' programs beside their
# pain windows. The programs' ORM query was a fifth of the check's own time (issue 7).
_PROGRESSION_CHECK_SQL = _PAIN_SQL.format(
    before="""src AS MATERIALIZED (
    SELECT {program}, z.d, {last_checked} AS last_checked
    FROM programs_walkingprogram wp JOIN patients_patient p ON p.id = wp.patient_id
    JOIN unnest(%s::text[], %s::date[]) AS z (tz, d) ON z.tz = p.timezone
    WHERE wp.patient_id = ANY(%s::bigint[]) AND p.status = %s AND wp.status = ANY(%s::text[])
      AND NOT wp.progression_locked AND NOT wp.progression_paused_for_red_flag
      AND wp.phase = %s AND {prescribes}
), """.format(  # noqa: S608 - constant SQL, values are parameters
        program=", ".join(
            f"p.{name}" if name in _PATIENT_LOOKUPS else f"wp.{name}" for name in _Program._fields
        ),
        prescribes=prescribes_on_sql(program="wp", day="z.d"),
        last_checked=_LAST_CHECKED_SQL,
    ),
    claim=_claim_insert_sql(
        source="src", patient="src.patient_id", day="src.d", last_checked="src.last_checked"
    ),
    columns=",\n       src.d, " + ", ".join(f"src.{name}" for name in _Program._fields),
    joins="\nJOIN src ON src.patient_id = pa.patient_id",
)


def _progression_inputs_sql(
    patient_ids: Sequence[int], *, day: date | None, now: datetime
) -> tuple[list[_Program], dict[int, date], dict[int, _PainFigures]]:
    kind = CheckRun.Kind.PROGRESSION.value
    statuses = [WalkingProgram.Status.ACTIVE.value, WalkingProgram.Status.FLARE_UP.value]
    params = [
        *_source_params(kind, patient_ids, day=day, now=now),
        Patient.Status.ACTIVE.value,
        array_param(statuses),
        WalkingProgram.Phase.ACTIVE.value,
        kind,
        _claimed_at(),
    ]
    rows = _fetch_all(_PROGRESSION_CHECK_SQL, params)
    programs, days, pain = [], {}, {}
    make = _Program._make
    for pid, *row in rows:
        pain[pid] = _pain_figures(row)
        days[pid] = row[7]
        programs.append(make(row[8:]))
    return programs, days, pain


@transaction.atomic
def progression_check(
    *, patient_ids: Sequence[int], day: date | None = None, now: datetime | None = None
) -> ChunkResult:
    """Pain-guided progression for a chunk of patients' programs (4 queries at most on
    PostgreSQL, 11 elsewhere).

    Skips paused and completed programs, locked ones and those paused for a red flag.
    Idempotent: a patient already checked for their day or a later one is skipped
    (CheckRun), and each change is one history row (TargetChange) with its reason.
    """
    now = now or timezone.now()
    # Query 1 on PostgreSQL, else 1-4: the programs that may progress on their patient's
    # day, claimed for it, and the patients' pain windows.
    programs, days, pain = _progression_inputs(patient_ids, day=day, now=now)
    if not programs:
        return ChunkResult(checked=0)
    due = {p.id for p in programs if _increment_due(p, days[p.patient_id])}
    # Adherence decides only an increment that is due, outside a flare-up plan: the
    # period's figures for those programs alone (on a clinic's ordinary day, a few).
    judged = [p for p in programs if p.id in due and p.status == WalkingProgram.Status.ACTIVE]
    spans = {
        p.id: _Span(days[p.patient_id], p.increment_every_days, p.increment_every_days)
        for p in judged
    }
    figures = _program_figures(judged, spans) if judged else {}  # Query 2, or 5-6
    # Calm days (to resume) count back day by day, and only a program in its flare-up
    # plan needs them: per-day pain for those alone (query 3, or 7-8), not for the chunk.
    in_flare = [p for p in programs if p.status == WalkingProgram.Status.FLARE_UP]
    calm_pain = _calm_pain(in_flare, days) if in_flare else {}
    rules = _Rules.from_settings()
    decided = []
    for program in programs:
        evaluated = days[program.patient_id]
        current, previous, flare_days = pain[program.patient_id]
        trend = _trend(program.baseline_pain, current, previous, rules)
        flare_reported = evaluated in flare_days
        is_due = program.id in due
        if not may_change(
            status=program.status,
            increment_due=is_due,
            rising=trend.rising,
            flare_up_reported=flare_reported,
        ):
            continue
        decision = _progression_decision(
            program,
            is_due,
            figures[program.id][0] if program.id in spans else None,
            trend,
            flare_reported,
            calm_pain.get(program.patient_id, {}),
            evaluated,
            rules,
        )
        if decision.records_history:
            decided.append((program, decision, evaluated + timedelta(days=1)))
    saved = _apply_decisions(decided)  # Query 4 (PostgreSQL), else 9-11
    return ChunkResult(checked=len(programs), changes=saved)


def _increment_due(program: _Program, day: date) -> bool:
    return increment_due(
        day=day,
        start_date=program.start_date,
        last_progression_on=program.last_progression_on,
        every_days=program.increment_every_days,
    )


def _progression_decision(
    program: _Program,
    due: bool,
    adherence: Adherence | None,
    trend: PainTrend,
    flare_reported: bool,
    by_day: dict[date, _DayPain],
    day: date,
    rules: _Rules,
) -> Decision:
    """The decision for ``program`` on ``day``; ``by_day`` (pain per day) is read only
    for a program in its flare-up plan, to count the calm days before resuming, and
    ``adherence`` only when an increment is ``due`` outside it (None otherwise)."""
    calm_days = 0
    if program.status == WalkingProgram.Status.FLARE_UP:  # the rule reads them there alone
        level = program.pre_flare_pain
        if level is None:
            level = float(program.baseline_pain)
        # Counted over the program's own lookback, whatever the chunk's window holds.
        calm_days = min(
            calm_days_from_totals(
                {d: (t[0], t[1]) for d, t in by_day.items()}, end=day, level=level
            ),
            _calm_lookback(program),
        )
    state = ProgressionState(
        status=program.status,
        sessions_per_day=program.sessions_per_day,
        minutes_per_session=program.minutes_per_session,
        increment_minutes=program.increment_minutes,
        max_minutes_per_session=program.max_minutes_per_session,
        increment_due=due,
        pre_flare_sessions_per_day=program.pre_flare_sessions_per_day,
        pre_flare_minutes_per_session=program.pre_flare_minutes_per_session,
        pre_flare_pain=program.pre_flare_pain,
    )
    signal = PainSignal(
        rising=trend.rising,
        flare_up_reported=flare_reported,
        # The level to come back to: the 7 days before this window, else baseline.
        pre_flare_level=trend.previous_mean
        if trend.previous_mean is not None
        else float(program.baseline_pain),
        calm_days=calm_days,
    )
    return decide_progression(
        state,
        signal,
        adherence_ratio=None if adherence is None else adherence.sessions_ratio,
        adherent_ratio=rules.adherent_ratio,
    )


def _calm_pain(programs: list[_Program], days: dict[int, date]) -> dict[int, dict[date, _DayPain]]:
    """Pain per patient and day over the lookbacks of these programs in their flare-up plan
    (one query on PostgreSQL, else two)."""
    lookback = max(_calm_lookback(p) for p in programs)
    start, end = _window({p.patient_id: days[p.patient_id] for p in programs}, lookback)
    return _day_pain({p.patient_id for p in programs}, start, end).days


def _calm_lookback(program: _Program) -> int:
    """The days a program's calm days are counted over (and read for): two pain windows,
    or its increment period if longer."""
    return max(LOOKBACK_DAYS, program.increment_every_days)


def _apply_decisions(decided: list[tuple[_Program, Decision, date]]) -> int:
    """Save the new targets and their history rows for the whole chunk (one statement on
    PostgreSQL, else three); return how many were saved.

    Only a program still as it was read, and still free to progress, is saved: the read
    came before the claim, which may have waited for a run of another day to commit its own
    decision, and a therapist may have edited or locked the program meanwhile. The next
    day's check decides on what is there then.
    """
    if not decided:
        return 0
    rows = [_decision_row(p, d, effective_on) for p, d, effective_on in decided]
    if connection.vendor == "postgresql":
        params = _columns(rows) | {"now": timezone.now(), "phase": WalkingProgram.Phase.ACTIVE}
        with connection.cursor() as cursor:
            cursor.execute(_DECISIONS_SQL, params)
            return cursor.rowcount
    # On SQLite a transaction takes the write lock as it begins (transaction_mode
    # IMMEDIATE): no other writer changed the programs since they were read. They are read
    # again all the same, so that both databases save the same decisions from the same rows.
    unchanged = _unchanged_programs(rows)
    rows = [r for r in rows if r["id"] in unchanged]
    WalkingProgram.objects.bulk_update(
        [WalkingProgram(id=r["id"], **{f: r[f] for f in PROGRESSION_FIELDS}) for r in rows],
        PROGRESSION_FIELDS,
    )
    TargetChange.objects.bulk_create([_history_row(r) for r in rows])
    return len(rows)


def _unchanged_programs(rows: list[dict]) -> set[int]:
    """The ids of the decided programs still as they were read and free to progress."""
    guarded = [f for f, _ in _GUARDED_FIELDS]
    current = (
        WalkingProgram.objects.filter(
            id__any=[r["id"] for r in rows],
            progression_locked=False,
            progression_paused_for_red_flag=False,
            phase=WalkingProgram.Phase.ACTIVE,
        )
        .order_by()
        .values_list("id", *guarded)
    )
    read = {r["id"]: tuple(r[key] for _, key in _GUARDED_FIELDS) for r in rows}
    return {pid for pid, *values in current if tuple(values) == read[pid]}


# A program's fields a decision read, each with its decision row's key for the value read.
_GUARDED_FIELDS = (
    ("sessions_per_day", "was_sessions_per_day"),
    ("minutes_per_session", "was_minutes_per_session"),
    ("status", "was_status"),
    ("last_progression_on", "was_last_progression_on"),
    ("days_per_week", "days_per_week"),
)


def _decision_row(program: _Program, decision: Decision, effective_on: date) -> dict:
    """The program's id and PROGRESSION_FIELDS after the decision, and its history's."""
    return {
        "id": program.id,
        "sessions_per_day": decision.sessions_per_day,
        "minutes_per_session": decision.minutes_per_session,
        "status": decision.status,
        "pre_flare_sessions_per_day": decision.pre_flare_sessions_per_day,
        "pre_flare_minutes_per_session": decision.pre_flare_minutes_per_session,
        "pre_flare_pain": decision.pre_flare_pain,
        "last_progression_on": effective_on,
        "days_per_week": program.days_per_week,
        "reason": str(_reason(decision)),
        "note": decision.note[:300],
        "was_sessions_per_day": program.sessions_per_day,
        "was_minutes_per_session": program.minutes_per_session,
        "was_status": program.status,
        "was_last_progression_on": program.last_progression_on,
    }


def _history_row(row: dict) -> TargetChange:
    return TargetChange(
        program_id=row["id"],
        effective_on=row["last_progression_on"],
        sessions_per_day=row["sessions_per_day"],
        minutes_per_session=row["minutes_per_session"],
        days_per_week=row["days_per_week"],
        reason=row["reason"],
        note=row["note"],
    )


# A chunk's decisions in one statement on PostgreSQL: the programs' PROGRESSION_FIELDS
# and their history rows (_history_row) from one array per value. One round trip, and no
# model field preparing each value, where an UPDATE and an INSERT
# (clinic.bulk.insert_columns) cost a third more. A program is updated only if still as
# read (_GUARDED_FIELDS) and free to progress, which the UPDATE checks on the row's
# latest version once any concurrent writer has committed; a history row only for those.
_DECISIONS_SQL = """
WITH v AS (
    SELECT * FROM unnest(
        %(id)s::bigint[], %(sessions_per_day)s::smallint[], %(minutes_per_session)s::smallint[],
        %(status)s::varchar[], %(pre_flare_sessions_per_day)s::smallint[],
        %(pre_flare_minutes_per_session)s::smallint[], %(pre_flare_pain)s::float8[],
        %(last_progression_on)s::date[], %(days_per_week)s::smallint[],
        %(reason)s::varchar[], %(note)s::varchar[], %(was_sessions_per_day)s::smallint[],
        %(was_minutes_per_session)s::smallint[], %(was_status)s::varchar[],
        %(was_last_progression_on)s::date[]
    ) AS v(id, spd, mps, status, pf_spd, pf_mps, pf_pain, effective_on, dpw, reason, note,
           was_spd, was_mps, was_status, was_effective_on)
), saved AS (
    UPDATE programs_walkingprogram AS p
    SET sessions_per_day = v.spd, minutes_per_session = v.mps, status = v.status,
        pre_flare_sessions_per_day = v.pf_spd, pre_flare_minutes_per_session = v.pf_mps,
        pre_flare_pain = v.pf_pain, last_progression_on = v.effective_on
    FROM v WHERE p.id = v.id
      AND (p.sessions_per_day, p.minutes_per_session, p.status, p.days_per_week)
          = (v.was_spd, v.was_mps, v.was_status, v.dpw)
      AND p.last_progression_on IS NOT DISTINCT FROM v.was_effective_on
      AND NOT p.progression_locked AND NOT p.progression_paused_for_red_flag
      AND p.phase = %(phase)s
    RETURNING p.id
)
INSERT INTO programs_targetchange (
    program_id, effective_on, sessions_per_day, minutes_per_session, days_per_week,
    reason, note, changed_by_id, created_at
)
SELECT v.id, effective_on, spd, mps, dpw, reason, note, NULL, %(now)s FROM v JOIN saved USING (id)
"""


PROGRESSION_FIELDS = (
    "sessions_per_day",
    "minutes_per_session",
    "status",
    "pre_flare_sessions_per_day",
    "pre_flare_minutes_per_session",
    "pre_flare_pain",
    "last_progression_on",
)


def _columns(rows: Sequence[dict]) -> dict[str, str | list]:
    """One array parameter per key of ``rows`` (dicts with the same keys)."""
    return {name: array_param(row[name] for row in rows) for name in rows[0]}


def _reason(decision: Decision) -> str:
    if decision.action is Action.STEP_BACK:
        if decision.note.startswith("Flare-up"):
            return TargetChange.Reason.FLARE_UP
        return TargetChange.Reason.STEPPED_BACK
    return _REASONS[decision.action]


# --- maintenance ----------------------------------------------------------


@transaction.atomic
def maintenance_start_check(
    *, patient_ids: Sequence[int], day: date | None = None, now: datetime | None = None
) -> ChunkResult:
    """Move programs whose active phase has ended into maintenance (3 queries at most).

    Due the day after the end date, or after the template's duration in weeks. Idempotent:
    only programs still in the active phase are read, locked so a concurrent run skips them.
    """
    now = now or timezone.now()
    # Query 1: active-phase programs with an end (locked; a concurrent run skips them).
    programs = list(
        WalkingProgram.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            patient_id__any=list(patient_ids),
            patient__status=Patient.Status.ACTIVE,
            status__in=[WalkingProgram.Status.ACTIVE, WalkingProgram.Status.FLARE_UP],
            phase=WalkingProgram.Phase.ACTIVE,
        )
        .filter(Q(end_date__isnull=False) | Q(template__duration_weeks__isnull=False))
        .select_related("patient", "template")
    )
    moved, rows = [], []
    for program in programs:
        evaluated = evaluation_day(tz_name=program.patient.timezone, day=day, now=now)
        due_on = maintenance_due_on(
            start_date=program.start_date,
            end_date=program.end_date,
            duration_weeks=program.template.duration_weeks if program.template else None,
        )
        # Like progression, a day's decision applies from the next day.
        if due_on is not None and due_on <= evaluated + timedelta(days=1):
            rows.append(enter_maintenance(program, day=due_on, note="Active phase completed."))
            moved.append(program)
    if moved:
        WalkingProgram.objects.bulk_update(moved, MAINTENANCE_FIELDS)  # Query 2
        TargetChange.objects.bulk_create(rows)  # Query 3
    return ChunkResult(checked=len(programs), changes=len(rows))


@transaction.atomic
def booster_check(
    *, patient_ids: Sequence[int], day: date | None = None, now: datetime | None = None
) -> ChunkResult:
    """Booster prompts when maintenance walking has dropped (7 queries at most).

    A prompt opens when the last 14 local days' minutes fall below BOOSTER_RATIO of the
    maintenance target; at most one is open per patient, and none opens within 14 days
    of the last one. Idempotent per patient and day, forward only (CheckRun).
    """
    now = now or timezone.now()
    # Query 1: the chunk's maintenance programs.
    programs = _current_programs(
        patient_ids,
        status__in=[WalkingProgram.Status.ACTIVE, WalkingProgram.Status.FLARE_UP],
        phase=WalkingProgram.Phase.MAINTENANCE,
    )
    days = evaluation_days(((p.patient_id, p.patient.timezone) for p in programs), day=day, now=now)
    claimed = _claim(CheckRun.Kind.MAINTENANCE, days)  # Query 2
    programs = [p for p in programs if p.patient_id in claimed]
    if not programs:
        return ChunkResult(checked=0, boosters=[])
    start, end = _window({p.patient_id: days[p.patient_id] for p in programs}, BOOSTER_WINDOW_DAYS)
    history = _changes_by_program(programs, start, end)  # Query 3
    sums = _walk_sums(claimed, start, end)  # Query 4
    held_off = _booster_held_off(claimed, start)  # Query 5
    ratio = walkrx_setting("BOOSTER_RATIO")
    new = []
    for program in programs:
        evaluated = days[program.patient_id]
        if held_off.get(program.patient_id, date.min) > evaluated - timedelta(
            days=BOOSTER_WINDOW_DAYS
        ):
            continue
        adherence, _ = program_window_adherence(
            program,
            history[program.id],
            _activity(program, sums.get(program.patient_id, {})),
            end=evaluated,
            days=BOOSTER_WINDOW_DAYS,
        )
        maintenance_days = (evaluated - program.maintenance_started_on).days + 1
        call = booster_call(adherence, ratio=ratio, maintenance_days=maintenance_days)
        if call.due:
            new.append(
                BoosterPrompt(
                    patient_id=program.patient_id, created_on=evaluated, reason=call.reason
                )
            )
    if not new:
        return ChunkResult(checked=len(programs), boosters=[])
    BoosterPrompt.objects.bulk_create(new, ignore_conflicts=True)  # Query 6
    # Query 7: the open prompts not yet mailed (ids are not returned by every database).
    ids = list(
        BoosterPrompt.objects.filter(
            patient_id__in=[p.patient_id for p in new],
            dismissed_at__isnull=True,
            emailed_at__isnull=True,
        ).values_list("id", flat=True)
    )
    return ChunkResult(checked=len(programs), boosters=ids)


def _booster_held_off(patient_ids: Iterable[int], since: date) -> dict[int, date]:
    """Per patient, the latest day that holds off a new prompt: an open one holds it forever."""
    out: dict[int, date] = {}
    for pid, created_on, dismissed_at in BoosterPrompt.objects.filter(
        Q(dismissed_at__isnull=True) | Q(created_on__gte=since), patient_id__any=list(patient_ids)
    ).values_list("patient_id", "created_on", "dismissed_at"):
        latest = date.max if dismissed_at is None else created_on
        out[pid] = max(out.get(pid, date.min), latest)
    return out


# --- the digest -----------------------------------------------------------


def alert_digests_send(*, now: datetime | None = None) -> int:
    """Email each therapist one digest of their patients' open alerts not yet mailed.

    Exactly once per alert: each therapist's alerts are locked, mailed and marked
    (Alert.notified_at) in one transaction, so a failed send is retried and a
    concurrent run skips the locked rows. Returns the number of emails sent.
    """
    now = now or timezone.now()
    pending = defaultdict(list)
    for alert_id, therapist_id in Alert.objects.filter(
        status=Alert.Status.OPEN, notified_at__isnull=True
    ).values_list("id", "patient__therapist_id"):
        pending[therapist_id].append(alert_id)
    return sum(_send_digest(tid, ids, now=now) for tid, ids in pending.items())


@transaction.atomic
def _send_digest(therapist_id: int, alert_ids: list[int], *, now: datetime) -> int:
    # One run mails a therapist at a time: a concurrent run holding their row skips them.
    # Skipping locked alert rows alone let two runs split one therapist's alerts between
    # them, so the therapist got two digests (each alert still went out once).
    claimed = Therapist.objects.select_for_update(skip_locked=True).filter(id=therapist_id)
    if not list(claimed.values_list("id", flat=True)):
        return 0
    alerts = list(
        Alert.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(id__in=alert_ids, notified_at__isnull=True)
        .select_related("patient__user", "patient__therapist__user")
        .order_by("patient_id", "kind")
    )
    if not alerts:
        return 0
    alerts.sort(key=lambda a: _SEVERITY_ORDER.get(a.severity, 9))
    therapist = alerts[0].patient.therapist
    if not therapist.user.email:
        logger.warning("Therapist %s has no email address; alert digest not sent.", therapist.id)
        return 0
    context = {"therapist": therapist, "alerts": alerts, "now": now}
    EmailMessage(
        subject=f"WalkRx: {len(alerts)} new alert{pluralize(len(alerts))} for your patients",
        body=render_to_string("programs/emails/alert_digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[therapist.user.email],
    ).send()
    Alert.objects.filter(id__in=[a.id for a in alerts]).update(notified_at=now)
    return 1
