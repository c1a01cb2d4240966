"""A therapist's caseload columns: as SQL annotations, or for one page of patients.

Each patient's window is their own local "today". SQL cannot turn an IANA zone into a
date portably, so the few distinct zones of the listed patients are read once and each
zone's today is computed in Python; the annotations then pick the right date per row.

The annotations (about 40 correlated subqueries a row) are what sorting by a column
needs; a list that shows a page in another order sets the same figures on the page's
patients with ``caseload_stats_for_page()`` (a few grouped queries, tested to agree).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import Cast, Coalesce, Least
from django.db.models.lookups import Exact
from django.utils import timezone

from clinic.timezones import local_date
from patients.models import Alert, PainCheckIn, Patient
from programs.adherence import Adherence
from programs.models import TargetChange, WalkingProgram, WalkLog
from programs.selectors import target_changes_in_force
from programs.sql import (
    in_force_on_sql,
    prescribes_on_sql,
    targets_between_sql,
    walk_counts_sql,
)
from programs.targets import target_for_date

ADHERENCE_DAYS = 7
PAIN_DAYS = 7
# Patients whose stored sort keys one transaction of the refresh recomputes.
REFRESH_CHUNK_SIZE = 1000
# Days on which is_active_on() prescribes sessions.
_PRESCRIBING = [WalkingProgram.Status.ACTIVE, WalkingProgram.Status.FLARE_UP]


def _day(k: int) -> str:
    return f"_day{k}"


def _local_days(todays: dict[str, date], count: int) -> dict[str, Case | Value]:
    """Aliases _day0.._day{count-1}: each row's local today minus k days."""
    days: dict[str, Case | Value] = {}
    for k in range(count):
        whens = [
            When(timezone=tz, then=Value(today - timedelta(days=k))) for tz, today in todays.items()
        ]
        days[_day(k)] = (
            Case(*whens, output_field=DateField()) if whens else Value(None, DateField())
        )
    return days


def _aggregate(qs: QuerySet, aggregate) -> Subquery:
    """One patient's aggregate as a correlated subquery (grouped by patient)."""
    return Subquery(qs.order_by().values("patient").annotate(v=aggregate).values("v")[:1])


def _target(field: str, k: int) -> Subquery:
    # target_for_date(): the latest change effective on or before the day, last id wins.
    changes = TargetChange.objects.filter(
        program_id=OuterRef("_prog_id"), effective_on__lte=OuterRef(_day(k))
    ).order_by("-effective_on", "-id")
    return Subquery(changes.values(field)[:1], output_field=IntegerField())


def _day_adherence(k: int) -> tuple:
    """(sessions done capped at the day's target, sessions prescribed) for day k."""
    active = (
        Q(_prog_status__in=_PRESCRIBING)
        & Q(_prog_start__lte=F(_day(k)))
        & (Q(_prog_end__isnull=True) | Q(_prog_end__gte=F(_day(k))))
    )
    sessions = Case(
        When(active, then=Coalesce(_target("sessions_per_day", k), 0)),
        default=Value(0),
        output_field=IntegerField(),
    )
    # Indoor marching counts only where the program allows it (WalkingProgram.counts_kind).
    counted = WalkLog.objects.filter(patient_id=OuterRef("pk"), local_date=OuterRef(_day(k)))
    counted = counted.filter(
        ~Q(kind=WalkLog.Kind.INDOOR_MARCHING) | Q(Exact(OuterRef("_prog_indoor"), True))
    )
    walks = Coalesce(_aggregate(counted, Count("id")), 0)
    done = Least(walks, sessions)
    prescribed = (
        Cast(sessions, FloatField())
        * Cast(Coalesce(_target("days_per_week", k), 7), FloatField())
        / Value(7.0)
    )
    return done, prescribed


def _pain_window(first: int, last: int) -> tuple:
    """(sum, count) of check-in scores and walks' pain-after on days _day{last}.._day{first}."""
    checkins = PainCheckIn.objects.filter(
        patient_id=OuterRef("pk"), date__gte=OuterRef(_day(last)), date__lte=OuterRef(_day(first))
    )
    walks = WalkLog.objects.filter(
        patient_id=OuterRef("pk"),
        local_date__gte=OuterRef(_day(last)),
        local_date__lte=OuterRef(_day(first)),
    )
    total = Coalesce(_aggregate(checkins, Sum("score")), 0) + Coalesce(
        _aggregate(walks, Sum("pain_after")), 0
    )
    count = Coalesce(_aggregate(checkins, Count("id")), 0) + Coalesce(
        _aggregate(walks, Count("pain_after")), 0
    )
    return total, count


def _mean(total, count) -> Case:
    return Case(
        When(Q(**{f"{count}__gt": 0}), then=Cast(F(total), FloatField()) / F(count)),
        default=None,
        output_field=FloatField(),
    )


def patients_with_caseload_stats(
    queryset: QuerySet[Patient], *, now: datetime | None = None, select: bool = True
) -> QuerySet[Patient]:
    """Annotate the caseload columns (current target, 7-day adherence and pain, alerts).

    Costs one query for the distinct time zones; the rows then come in one query.
    Adherence follows programs.adherence for the current program over the patient's
    last 7 local days, target history included; read it with ``caseload_adherence()``.
    With ``select=False`` the columns are only aliases: available to ``order_by()``,
    computed by the database only if a query uses them.
    """
    now = now or timezone.now()
    add = QuerySet.annotate if select else QuerySet.alias
    zones = queryset.order_by().values_list("timezone", flat=True).distinct()
    todays = {tz: local_date(now, tz) for tz in zones}
    qs = queryset.alias(
        current=FilteredRelation(
            "programs", condition=Q(programs__status__in=WalkingProgram.CURRENT_STATUSES)
        ),
        **_local_days(todays, 2 * PAIN_DAYS),
    )
    qs = add(
        qs,
        current_program_id=F("current__id"),
        current_sessions_per_day=F("current__sessions_per_day"),
        current_minutes_per_session=F("current__minutes_per_session"),
        current_days_per_week=F("current__days_per_week"),
    )
    qs = qs.alias(
        _prog_id=F("current__id"),
        _prog_status=F("current__status"),
        _prog_start=F("current__start_date"),
        _prog_end=F("current__end_date"),
        _prog_indoor=F("current__indoor_allowed"),
    )
    done, prescribed = zip(*(_day_adherence(k) for k in range(ADHERENCE_DAYS)), strict=True)
    now_total, now_count = _pain_window(0, PAIN_DAYS - 1)
    before_total, before_count = _pain_window(PAIN_DAYS, 2 * PAIN_DAYS - 1)
    qs = add(
        qs,
        adherence_sessions_done=sum(done[1:], start=done[0]),
        adherence_sessions_prescribed=sum(prescribed[1:], start=prescribed[0]),
        last_walk_on=_last_walk_on(),
        open_alerts=_open_alerts(),
        _pain_total=now_total,
        _pain_count=now_count,
        _prev_pain_total=before_total,
        _prev_pain_count=before_count,
    )
    qs = add(
        qs,
        pain_mean=_mean("_pain_total", "_pain_count"),
        previous_pain_mean=_mean("_prev_pain_total", "_prev_pain_count"),
        adherence_ratio=Case(
            When(
                adherence_sessions_prescribed__gt=0,
                then=Least(
                    Cast(F("adherence_sessions_done"), FloatField())
                    / F("adherence_sessions_prescribed"),
                    Value(1.0),
                ),
            ),
            default=None,
            output_field=FloatField(),
        ),
    )
    return add(qs, pain_change=F("pain_mean") - F("previous_pain_mean"))


def _last_walk_on() -> Subquery:
    return Subquery(
        WalkLog.objects.filter(patient_id=OuterRef("pk"))
        .order_by()
        .values("patient")
        .annotate(v=Max("local_date"))
        .values("v")[:1],
        output_field=DateField(),
    )


def _open_alerts() -> Coalesce:
    open_alerts = Alert.objects.filter(patient_id=OuterRef("pk"), status=Alert.Status.OPEN)
    return Coalesce(_aggregate(open_alerts, Count("id")), 0)


# The sort keys on PostgreSQL: one correlated subquery a row per column, with the same
# figures as the annotations. {today} is the row's local today (a CASE on its zone).
_ADHERENCE_KEY_SQL = """(
    SELECT CASE WHEN x.prescribed_sevenths > 0
                THEN least(x.done * 7.0 / x.prescribed_sevenths, 1.0)::float8 END
    FROM (SELECT {{today}} AS today) d
    JOIN programs_walkingprogram wp ON wp.patient_id = "patients_patient"."id"
     AND wp.status IN ('active', 'paused', 'flare_up')
    CROSS JOIN LATERAL (
        SELECT array_agg(w.local_date) AS days
        FROM programs_walklog w
        WHERE w.patient_id = wp.patient_id
          AND w.local_date BETWEEN d.today - {last_k} AND d.today AND {counts}
    ) walked
    CROSS JOIN LATERAL (
        SELECT sum(least(coalesce(cardinality(array_positions(walked.days, days.day)), 0),
                         coalesce(t.sessions_per_day, 0))) AS done,
               sum(coalesce(t.sessions_per_day, 0) * coalesce(t.days_per_week, 7))
                   AS prescribed_sevenths
        FROM (SELECT d.today - k AS day FROM generate_series(0, {last_k}) AS k) days
        LEFT JOIN {targets} t ON {in_force} AND {prescribes}
    ) x
)""".format(  # noqa: S608 - constant SQL, values are parameters
    last_k=ADHERENCE_DAYS - 1,
    targets=targets_between_sql(
        program="wp.id",
        first=f"d.today - {ADHERENCE_DAYS - 1}",
        last="d.today",
        columns=("sessions_per_day", "days_per_week"),
    ),
    in_force=in_force_on_sql(changes="t", day="days.day"),
    prescribes=prescribes_on_sql(program="wp", day="days.day"),
    counts=walk_counts_sql(indoor_allowed="wp.indoor_allowed", kind="w.kind"),
)

# Mean pain (check-in scores and walks' pain-after) over the 7 days to today, the 7
# before, and the change: {value} picks one. Each table's rows are summed on their own
# (one index range each); a UNION ALL of the two, summed afterwards, took a third longer.
_PAIN_KEY_SQL = """(
    SELECT {{value}}
    FROM (SELECT {{today}} AS today) d
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(c.score) FILTER (WHERE c.date > d.today - {days}), 0) AS now_sum,
               count(*) FILTER (WHERE c.date > d.today - {days}) AS now_n,
               coalesce(sum(c.score) FILTER (WHERE c.date <= d.today - {days}), 0) AS before_sum,
               count(*) FILTER (WHERE c.date <= d.today - {days}) AS before_n
        FROM patients_paincheckin c
        WHERE c.patient_id = "patients_patient"."id"
          AND c.date BETWEEN d.today - {last_k} AND d.today
    ) c
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(w.pain_after) FILTER (WHERE w.local_date > d.today - {days}), 0)
                   AS now_sum,
               count(w.pain_after) FILTER (WHERE w.local_date > d.today - {days}) AS now_n,
               coalesce(sum(w.pain_after) FILTER (WHERE w.local_date <= d.today - {days}), 0)
                   AS before_sum,
               count(w.pain_after) FILTER (WHERE w.local_date <= d.today - {days}) AS before_n
        FROM programs_walklog w
        WHERE w.patient_id = "patients_patient"."id"
          AND w.local_date BETWEEN d.today - {last_k} AND d.today
    ) w
)""".format(days=PAIN_DAYS, last_k=2 * PAIN_DAYS - 1)  # noqa: S608 - constant SQL
_PAIN_MEAN = "(c.{when}_sum + w.{when}_sum)::float8 / nullif(c.{when}_n + w.{when}_n, 0)"


# The sortable caseload columns, and the name of each one's sort key.
SORT_KEYS = {
    "adherence_ratio": "adherence_ratio_key",
    "pain_mean": "pain_mean_key",
    "pain_change": "pain_change_key",
    "last_walk_on": "last_walk_on_key",
    "open_alerts": "open_alerts_key",
}


class _EmptyLast(F):
    """F() of a sort key that orders empty figures last in both directions, on every
    database (PostgreSQL puts NULLs last ascending, SQLite first)."""

    def asc(self, **kwargs) -> OrderBy:
        return super().asc(nulls_last=True)

    def desc(self, **kwargs) -> OrderBy:
        return super().desc(nulls_last=True)


def caseload_sort_key(column: str) -> F:
    """A caseload column's sort key, for order_by() (``.asc()``/``.desc()``) or as an
    admin_order_field: patients without the figure come last either way."""
    return _EmptyLast(SORT_KEYS[column])


def _today_sql(todays: dict[str, date]) -> tuple[str, list]:
    """Each row's local today: a CASE on its zone, the zones and dates as parameters."""
    whens = " ".join(["WHEN %s THEN %s::date"] * len(todays))
    params = [value for pair in todays.items() for value in pair]
    return f'(CASE "patients_patient"."timezone" {whens} END)', params


def _zone_todays(queryset: QuerySet[Patient], now: datetime) -> dict[str, date]:
    zones = queryset.order_by().values_list("timezone", flat=True).distinct()
    return {tz: local_date(now, tz) for tz in zones} or {"UTC": local_date(now, "UTC")}


def _key_expressions(today: str) -> dict[str, str]:
    """The live SQL of each stored sort key (CaseloadSortKeys' columns), for ``today``."""
    now_mean = _PAIN_MEAN.format(when="now")
    before_mean = _PAIN_MEAN.format(when="before")
    return {
        "adherence_ratio": _ADHERENCE_KEY_SQL.format(today=today),
        "pain_mean": _PAIN_KEY_SQL.format(today=today, value=now_mean),
        "pain_change": _PAIN_KEY_SQL.format(today=today, value=f"{now_mean} - ({before_mean})"),
    }


# A stored figure where it holds for the row's today and no write has touched the patient
# since (CaseloadSortKeys), else the live figure: CASE evaluates only the branch it takes.
_STORED_OR_LIVE_SQL = """(
    SELECT CASE WHEN k.as_of = {today} AND k.computed_version = k.version
                THEN k.{column} ELSE {live} END
    FROM (VALUES (1)) AS one (x)
    LEFT JOIN programs_caseloadsortkeys k ON k.patient_id = "patients_patient"."id"
)"""


def patients_with_caseload_sort_keys(
    queryset: QuerySet[Patient], *, now: datetime | None = None
) -> QuerySet[Patient]:
    """The sortable caseload columns as aliases (SORT_KEYS' names), for ``order_by()``.

    On PostgreSQL adherence and pain come from CaseloadSortKeys where the stored figures
    hold (one index probe a row), else from one correlated subquery a row (an index range
    of walks and two of target changes for adherence, one of check-ins and one of walks
    for pain) instead of the annotations' ~40, which took seconds to sort a 5,000-patient
    clinic. Elsewhere, the annotations.
    The figures are the annotations' (tested); only the sort uses them, so a list can
    show its page's figures from ``caseload_stats_for_page()`` or the annotations.
    """
    if connection.vendor != "postgresql":
        if not set(SORT_KEYS) <= set(queryset.query.annotations):  # already annotated?
            queryset = patients_with_caseload_stats(queryset, now=now, select=False)
        return queryset.alias(**{key: F(column) for column, key in SORT_KEYS.items()})
    today, today_params = _today_sql(_zone_todays(queryset, now or timezone.now()))
    # Constant SQL: the zones and dates are parameters. It names the queryset's base table,
    # so these aliases are for ordering a list, not for a subquery (where Django renames it).
    stored_or_live = {
        f"{column}_key": RawSQL(  # noqa: S611
            _STORED_OR_LIVE_SQL.format(today=today, column=column, live=live),
            today_params * 2,
            output_field=FloatField(),
        )
        for column, live in _key_expressions(today).items()
    }
    return queryset.alias(
        **stored_or_live, last_walk_on_key=_last_walk_on(), open_alerts_key=_open_alerts()
    )


# The rows to recompute, locked in id order: a write to one of these patients waits for
# this transaction (its trigger bumps the version), so the figures computed next, in a
# statement that starts after the locks are held, include every committed write. A row
# locked by a writer is skipped (not waited for: no deadlock with a writer's other locks):
# its version is being bumped, so it is read live until the next refresh.
_LOCK_STALE_KEYS_SQL = """
SELECT k.patient_id FROM programs_caseloadsortkeys k
JOIN patients_patient ON patients_patient.id = k.patient_id
WHERE k.patient_id = ANY(%s)
  AND (k.as_of IS DISTINCT FROM {today} OR k.computed_version <> k.version)
ORDER BY k.patient_id
FOR NO KEY UPDATE OF k SKIP LOCKED
"""

_REFRESH_KEYS_SQL = """
UPDATE programs_caseloadsortkeys k
SET as_of = x.today, computed_version = k.version, computed_at = %s,
    adherence_ratio = x.adherence_ratio, pain_mean = x.pain_mean, pain_change = x.pain_change
FROM (
    SELECT "patients_patient"."id" AS patient_id, {today} AS today,
           {adherence_ratio} AS adherence_ratio, {pain_mean} AS pain_mean,
           {pain_change} AS pain_change
    FROM patients_patient WHERE "patients_patient"."id" = ANY(%s)
) x
WHERE k.patient_id = x.patient_id
"""


def caseload_sort_keys_refresh(
    *, patient_ids: Sequence[int] | None = None, now: datetime | None = None
) -> int:
    """Recompute the stored sort keys that are stale or not for the patient's today.

    Chunk by chunk of REFRESH_CHUNK_SIZE patients (all patients by default), each in its
    own short transaction; returns how many rows were recomputed. PostgreSQL only: the
    stored keys are what its sort reads; elsewhere the sort computes them (returns 0).
    """
    if connection.vendor != "postgresql":
        return 0
    now = now or timezone.now()
    if patient_ids is None:
        patient_ids = list(Patient.objects.order_by("id").values_list("id", flat=True))
    refreshed = 0
    for start in range(0, len(patient_ids), REFRESH_CHUNK_SIZE):
        chunk = list(patient_ids[start : start + REFRESH_CHUNK_SIZE])
        refreshed += _refresh_chunk(chunk, now)
    return refreshed


def _refresh_chunk(patient_ids: list[int], now: datetime) -> int:
    patients = Patient.objects.filter(id__any=patient_ids)
    today, today_params = _today_sql(_zone_todays(patients, now))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LOCK_STALE_KEYS_SQL.format(today=today), [patient_ids, *today_params])
        stale = [row[0] for row in cursor.fetchall()]
        if not stale:
            return 0
        expressions = _key_expressions(today)
        cursor.execute(
            _REFRESH_KEYS_SQL.format(today=today, **expressions),
            [now, *today_params * (1 + len(expressions)), stale],
        )
        return cursor.rowcount


def caseload_adherence(patient: Patient) -> Adherence:
    """The annotated 7-day sessions adherence of a patient from the caseload queryset."""
    return Adherence(
        sessions_done=patient.adherence_sessions_done or 0,
        sessions_prescribed=round(patient.adherence_sessions_prescribed or 0.0, 6),
        minutes_done=0,
        minutes_prescribed=0.0,
    )


def patients_with_open_alert(queryset: QuerySet[Patient], *, kind: str) -> QuerySet[Patient]:
    """Patients who have an open alert of this kind."""
    return queryset.filter(
        Exists(Alert.objects.filter(patient_id=OuterRef("pk"), kind=kind, status=Alert.Status.OPEN))
    )


def caseload_stats_for_page(patients: Sequence[Patient], *, now: datetime | None = None) -> None:
    """Set the caseload columns of ``patients_with_caseload_stats()`` on these patients.

    For a page of a list: six grouped queries over the page's patients, whatever their
    number and history, instead of the correlated subqueries of every row.
    """
    if not patients:
        return
    now = now or timezone.now()
    todays = {p.pk: local_date(now, p.timezone) for p in patients}
    first = min(todays.values()) - timedelta(days=2 * PAIN_DAYS - 1)
    last = max(todays.values())
    programs = _current_programs(todays)
    changes = target_changes_in_force(
        program_ids=[p.id for p in programs.values()],
        start=min(todays.values()) - timedelta(days=ADHERENCE_DAYS - 1),
        end=last,
    )
    walks = _walks_by_day(todays, first, last)
    checkins = _checkins_by_day(todays, first, last)
    last_walks = dict(
        WalkLog.objects.filter(patient_id__in=todays)
        .order_by()
        .values("patient_id")
        .annotate(v=Max("local_date"))
        .values_list("patient_id", "v")
    )
    alerts = dict(
        Alert.objects.filter(patient_id__in=todays, status=Alert.Status.OPEN)
        .order_by()
        .values("patient_id")
        .annotate(n=Count("id"))
        .values_list("patient_id", "n")
    )
    for patient in patients:
        program = programs.get(patient.pk)
        today = todays[patient.pk]
        _set_program_columns(patient, program)
        _set_adherence_columns(
            patient,
            program,
            changes.get(program.id, []) if program else [],
            walks[patient.pk],
            today,
        )
        _set_pain_columns(patient, walks[patient.pk], checkins[patient.pk], today)
        patient.last_walk_on = last_walks.get(patient.pk)
        patient.open_alerts = alerts.get(patient.pk, 0)


def _current_programs(todays: dict[int, date]) -> dict[int, tuple]:
    rows = WalkingProgram.objects.filter(
        patient_id__in=todays, status__in=WalkingProgram.CURRENT_STATUSES
    ).values_list(
        "id",
        "patient_id",
        "status",
        "start_date",
        "end_date",
        "indoor_allowed",
        "sessions_per_day",
        "minutes_per_session",
        "days_per_week",
        named=True,
    )
    return {row.patient_id: row for row in rows.order_by()}


def _walks_by_day(todays: dict[int, date], first: date, last: date) -> dict[int, dict]:
    """Per patient and local day: {kind: (walks, sum of pain_after, pain_after given)}."""
    rows = (
        WalkLog.objects.filter(patient_id__in=todays, local_date__range=(first, last))
        .order_by()
        .values("patient_id", "local_date", "kind")
        .annotate(n=Count("id"), pain=Sum("pain_after"), pain_n=Count("pain_after"))
        .values_list("patient_id", "local_date", "kind", "n", "pain", "pain_n")
    )
    out: dict[int, dict] = defaultdict(lambda: defaultdict(dict))
    for patient_id, day, kind, n, pain, pain_n in rows:
        out[patient_id][day][kind] = (n, pain or 0, pain_n)
    return out


def _checkins_by_day(todays: dict[int, date], first: date, last: date) -> dict[int, dict]:
    """Per patient and date: (sum of scores, check-ins)."""
    rows = (
        PainCheckIn.objects.filter(patient_id__in=todays, date__range=(first, last))
        .order_by()
        .values("patient_id", "date")
        .annotate(total=Sum("score"), n=Count("id"))
        .values_list("patient_id", "date", "total", "n")
    )
    out: dict[int, dict] = defaultdict(dict)
    for patient_id, day, total, n in rows:
        out[patient_id][day] = (total, n)
    return out


def _set_program_columns(patient: Patient, program) -> None:
    patient.current_program_id = program.id if program else None
    patient.current_sessions_per_day = program.sessions_per_day if program else None
    patient.current_minutes_per_session = program.minutes_per_session if program else None
    patient.current_days_per_week = program.days_per_week if program else None


def _prescribes_on(program, day: date) -> bool:
    return (
        program is not None
        and program.status in _PRESCRIBING
        and program.start_date <= day
        and (program.end_date is None or program.end_date >= day)
    )


def _set_adherence_columns(patient: Patient, program, changes, walks, today: date) -> None:
    """Sessions done (capped at each day's target) and prescribed, as the annotations."""
    indoor_counts = program is not None and program.indoor_allowed
    done, prescribed = 0, 0.0
    for k in range(ADHERENCE_DAYS):
        day = today - timedelta(days=k)
        target = target_for_date(changes, day) if _prescribes_on(program, day) else None
        sessions = target.sessions_per_day if target else 0
        counted = sum(
            n
            for kind, (n, _, _) in walks.get(day, {}).items()
            if kind != WalkLog.Kind.INDOOR_MARCHING or indoor_counts
        )
        done += min(counted, sessions)
        prescribed += float(sessions) * float(target.days_per_week if target else 7) / 7.0
    patient.adherence_sessions_done = done
    patient.adherence_sessions_prescribed = prescribed
    patient.adherence_ratio = min(float(done) / prescribed, 1.0) if prescribed > 0 else None


def _pain_mean(walks, checkins, days: list[date]) -> float | None:
    total = count = 0
    for day in days:
        score, n = checkins.get(day, (0, 0))
        total, count = total + score, count + n
        for _, pain, pain_n in walks.get(day, {}).values():
            total, count = total + pain, count + pain_n
    return float(total) / count if count > 0 else None


def _set_pain_columns(patient: Patient, walks, checkins, today: date) -> None:
    days = [today - timedelta(days=k) for k in range(2 * PAIN_DAYS)]
    patient.pain_mean = _pain_mean(walks, checkins, days[:PAIN_DAYS])
    patient.previous_pain_mean = _pain_mean(walks, checkins, days[PAIN_DAYS:])
    patient.pain_change = (
        None
        if patient.pain_mean is None or patient.previous_pain_mean is None
        else patient.pain_mean - patient.previous_pain_mean
    )
