"""Hand-written PostgreSQL computing the jobs' figures in one statement each: the database's
own limit for the work, the yardstick for the jobs (bench.jobs) and, in the test suite,
a second, independent computation of the same figures (tests/bench/).

Each function takes a cursor and returns {patient_id: figures}. Only the figures are
computed; the jobs also decide and write (alerts, CheckRun claims, progression history).
"""

from __future__ import annotations

from datetime import date, datetime

# The evaluated local day of each patient at ``now``: their last fully ended day, as
# programs.watch.evaluation_day() computes it with zoneinfo.
_DAY = "((%(now)s::timestamptz AT TIME ZONE {alias}.timezone)::date - 1)"

# The target in force on days.day: the latest change effective on or before it
# (ties: the last created), as programs.targets.target_for_date(); none on days the
# program does not prescribe (WalkingProgram.is_active_on).
_TARGET = """
    LEFT JOIN LATERAL (
        SELECT tc.sessions_per_day, tc.days_per_week
        FROM programs_targetchange tc
        WHERE tc.program_id = days.program_id AND tc.effective_on <= days.day
        ORDER BY tc.effective_on DESC, tc.id DESC
        LIMIT 1
    ) t ON days.status <> 'paused'
        AND NOT (days.status = 'completed' AND days.end_date IS NULL)
        AND days.day >= days.start_date
        AND (days.end_date IS NULL OR days.day <= days.end_date)
"""

ADHERENCE_SQL = f"""
WITH prog AS (
    SELECT wp.id AS program_id, wp.patient_id, wp.indoor_allowed, wp.status, wp.start_date,
           wp.end_date, {_DAY.format(alias="pa")} AS d
    FROM programs_walkingprogram wp
    JOIN patients_patient pa ON pa.id = wp.patient_id
    WHERE pa.id = ANY(%(ids)s) AND pa.status = 'active'
      AND wp.status IN ('active', 'paused', 'flare_up')
), days AS (
    SELECT prog.*, k, prog.d - k AS day FROM prog CROSS JOIN generate_series(0, 13) AS k
), tgt AS (
    SELECT days.*, t.sessions_per_day AS spd, t.days_per_week AS dpw FROM days {_TARGET}
), walks AS (
    SELECT w.patient_id, w.local_date,
           count(*) FILTER (WHERE prog.indoor_allowed OR w.kind <> 'indoor_marching') AS n,
           sum(w.duration_minutes)
               FILTER (WHERE prog.indoor_allowed OR w.kind <> 'indoor_marching') AS m
    FROM programs_walklog w JOIN prog ON prog.patient_id = w.patient_id
    WHERE w.local_date BETWEEN prog.d - 13 AND prog.d
    GROUP BY 1, 2
), act AS (
    SELECT tgt.*, coalesce(w.n, 0) AS done, coalesce(w.m, 0) AS minutes
    FROM tgt LEFT JOIN walks w ON w.patient_id = tgt.patient_id AND w.local_date = tgt.day
)
SELECT patient_id, max(d) AS day,
       coalesce(sum(least(done, spd)) FILTER (WHERE k < 7 AND spd > 0), 0) AS sessions_done,
       coalesce(sum(spd * dpw / 7.0) FILTER (WHERE k < 7 AND spd > 0), 0) AS prescribed,
       coalesce(sum(minutes) FILTER (WHERE k < 7 AND spd > 0), 0) AS minutes_done,
       coalesce(min(k) FILTER (WHERE spd IS NULL OR spd <= 0 OR done > 0), 14) AS streak
FROM act GROUP BY patient_id
"""  # noqa: S608 - constant SQL, values are parameters

# The two windows' totals per source, summed per patient in a LATERAL subquery straight
# off the source's index scan (a UNION ALL of both sources, sorted and grouped by patient,
# took half as long again).
_WINDOWS = """
    CROSS JOIN LATERAL (
        SELECT sum(x.pain_after) FILTER (WHERE x.local_date > {pa}.d - 7) AS s1,
               count(x.pain_after) FILTER (WHERE x.local_date > {pa}.d - 7) AS n1,
               max(x.pain_after) FILTER (WHERE x.local_date > {pa}.d - 7) AS m1,
               sum(x.pain_after) FILTER (WHERE x.local_date <= {pa}.d - 7) AS s0,
               count(x.pain_after) FILTER (WHERE x.local_date <= {pa}.d - 7) AS n0
        FROM programs_walklog x
        WHERE x.patient_id = {pa}.{id} AND x.local_date BETWEEN {pa}.d - 13 AND {pa}.d
    ) w
    CROSS JOIN LATERAL (
        SELECT sum(x.score) FILTER (WHERE x.date > {pa}.d - 7) AS s1,
               count(*) FILTER (WHERE x.date > {pa}.d - 7) AS n1,
               max(x.score) FILTER (WHERE x.date > {pa}.d - 7) AS m1,
               sum(x.score) FILTER (WHERE x.date <= {pa}.d - 7) AS s0,
               count(*) FILTER (WHERE x.date <= {pa}.d - 7) AS n0,
               count(*) FILTER (WHERE x.flare_up AND x.date > {pa}.d - 7) AS flare_days,
               bool_or(x.flare_up AND x.date = {pa}.d) AS flare_today
        FROM patients_paincheckin x
        WHERE x.patient_id = {pa}.{id} AND x.date BETWEEN {pa}.d - 13 AND {pa}.d
    ) c
"""
_MEAN = "(coalesce(w.s{k}, 0) + coalesce(c.s{k}, 0))::float8 / nullif(w.n{k} + c.n{k}, 0)"

# MATERIALIZED: each patient's local day is computed once, not at each use in _WINDOWS.
PAIN_SQL = f"""
WITH pa AS MATERIALIZED (
    SELECT id, baseline_pain, {_DAY.format(alias="p")} AS d
    FROM patients_patient p WHERE id = ANY(%(ids)s) AND status = 'active'
)
SELECT pa.id, pa.d AS day, pa.baseline_pain AS baseline,
       {_MEAN.format(k=1)} AS mean, {_MEAN.format(k=0)} AS previous_mean,
       greatest(w.m1, c.m1) AS max_score, c.flare_days
FROM pa {_WINDOWS.format(pa="pa", id="id")}
"""  # noqa: S608 - constant SQL, values are parameters

# Progression's inputs for the programs it decides (in the active phase, prescribing on
# the day): the pain windows, adherence over the increment period of those that are
# active with an increment due, the only ones whose decision reads it, and the calm days
# of those in their flare-up plan, the only ones whose decision reads them: consecutive
# days to the evaluated one whose mean pain is within 1 point of the pre-flare level (else
# baseline), over the program's max(14, increment period) days (the decision itself is
# the pure programs.progression rule).
PROGRESSION_SQL = f"""
WITH evaluated AS (
    SELECT wp.id AS program_id, wp.patient_id, wp.indoor_allowed, wp.status, wp.start_date,
           wp.end_date, wp.increment_every_days AS every, {_DAY.format(alias="pa")} AS d,
           coalesce(wp.last_progression_on, wp.start_date) AS since,
           coalesce(wp.pre_flare_pain, pa.baseline_pain) AS level
    FROM programs_walkingprogram wp
    JOIN patients_patient pa ON pa.id = wp.patient_id
    WHERE pa.id = ANY(%(ids)s) AND pa.status = 'active'
      AND wp.status IN ('active', 'flare_up') AND wp.phase = 'active'
      AND NOT wp.progression_locked AND NOT wp.progression_paused_for_red_flag
), prog AS (
    SELECT * FROM evaluated
    WHERE d >= start_date AND (end_date IS NULL OR d <= end_date)
), judged AS (
    SELECT * FROM prog WHERE status = 'active' AND d + 1 >= since + every
), days AS (
    SELECT judged.*, k, judged.d - k AS day
    FROM judged CROSS JOIN LATERAL generate_series(0, judged.every - 1) AS k
), tgt AS (
    SELECT days.*, t.sessions_per_day AS spd, t.days_per_week AS dpw FROM days {_TARGET}
), walks AS (
    SELECT w.patient_id, w.local_date,
           count(*) FILTER (WHERE prog.indoor_allowed OR w.kind <> 'indoor_marching') AS n
    FROM programs_walklog w JOIN judged prog ON prog.patient_id = w.patient_id
    WHERE w.local_date BETWEEN prog.d - prog.every + 1 AND prog.d
    GROUP BY 1, 2
), adherence AS (
    SELECT tgt.patient_id,
           coalesce(sum(least(coalesce(w.n, 0), spd)) FILTER (WHERE spd > 0), 0) AS done,
           coalesce(sum(spd * dpw / 7.0) FILTER (WHERE spd > 0), 0) AS prescribed
    FROM tgt LEFT JOIN walks w ON w.patient_id = tgt.patient_id AND w.local_date = tgt.day
    GROUP BY 1
), pain AS (
    SELECT prog.patient_id, {_MEAN.format(k=1)} AS mean, {_MEAN.format(k=0)} AS previous_mean,
           c.flare_today
    FROM prog {_WINDOWS.format(pa="prog", id="patient_id")}
), flaring AS (
    SELECT prog.*, greatest(14, prog.every) AS lookback FROM prog WHERE status = 'flare_up'
), calm_walks AS (
    SELECT f.patient_id, w.local_date AS day, sum(w.pain_after) AS total, count(*) AS n
    FROM flaring f JOIN programs_walklog w ON w.patient_id = f.patient_id
    WHERE w.local_date BETWEEN f.d - f.lookback + 1 AND f.d AND w.pain_after IS NOT NULL
    GROUP BY 1, 2
), calm_checkins AS (
    SELECT f.patient_id, c.date AS day, c.score
    FROM flaring f JOIN patients_paincheckin c ON c.patient_id = f.patient_id
    WHERE c.date BETWEEN f.d - f.lookback + 1 AND f.d
), calm_means AS (
    SELECT coalesce(w.patient_id, c.patient_id) AS patient_id, coalesce(w.day, c.day) AS day,
           (coalesce(w.total, 0) + coalesce(c.score, 0))::float8
               / (coalesce(w.n, 0) + (c.score IS NOT NULL)::int) AS mean
    FROM calm_walks w FULL JOIN calm_checkins c ON c.patient_id = w.patient_id AND c.day = w.day
), calm AS (
    -- Bit k of the mask: day d - k has scores within 1 point of the level. The calm days
    -- are its trailing ones: mask XOR (mask + 1) sets them and the zero above them.
    SELECT f.patient_id, bit_count((f.mask # (f.mask + 1))::bit(64)) - 1 AS calm_days
    FROM (
        SELECT f.patient_id,
               coalesce(bit_or(1::bigint << (f.d - m.day))
                            FILTER (WHERE m.mean <= f.level + 1 + 1e-9), 0) AS mask
        FROM flaring f LEFT JOIN calm_means m ON m.patient_id = f.patient_id
        GROUP BY f.patient_id
    ) f
)
SELECT prog.patient_id, a.done, a.prescribed, p.mean, p.previous_mean,
       coalesce(p.flare_today, false), c.calm_days
FROM prog
LEFT JOIN adherence a ON a.patient_id = prog.patient_id
LEFT JOIN pain p ON p.patient_id = prog.patient_id
LEFT JOIN calm c ON c.patient_id = prog.patient_id
"""  # noqa: S608 - constant SQL, values are parameters

WEEKLY_SQL = f"""
WITH pa AS (
    SELECT p.id FROM patients_patient p
    WHERE p.therapist_id = ANY(%(therapists)s) AND p.status <> 'discharged'
      AND p.created_at < %(week_end_at)s
), prog AS (
    SELECT DISTINCT ON (wp.patient_id) wp.id AS program_id, wp.patient_id, wp.indoor_allowed,
           wp.status, wp.start_date, wp.end_date
    FROM programs_walkingprogram wp JOIN pa ON pa.id = wp.patient_id
    WHERE wp.start_date <= %(we)s
    ORDER BY wp.patient_id, wp.start_date DESC, wp.id DESC
), walkdays AS (
    SELECT w.patient_id, w.local_date AS day,
           count(*) FILTER (
               WHERE prog.program_id IS NULL OR prog.indoor_allowed OR w.kind <> 'indoor_marching'
           ) AS sessions,
           count(*) AS walks,
           count(*) FILTER (WHERE w.talk_test = 'brisk') AS brisk,
           sum(w.duration_minutes) AS minutes,
           coalesce(sum(w.pain_after) FILTER (WHERE w.local_date <= %(ws)s::date + 2), 0) AS s_sum,
           count(w.pain_after) FILTER (WHERE w.local_date <= %(ws)s::date + 2) AS s_n,
           coalesce(sum(w.pain_after) FILTER (WHERE w.local_date >= %(we)s::date - 2), 0) AS e_sum,
           count(w.pain_after) FILTER (WHERE w.local_date >= %(we)s::date - 2) AS e_n
    FROM programs_walklog w JOIN pa ON pa.id = w.patient_id
    LEFT JOIN prog ON prog.patient_id = w.patient_id
    WHERE w.local_date BETWEEN %(trend_start)s AND %(we)s
    GROUP BY 1, 2
), week AS (
    SELECT patient_id, sum(walks) AS walks, sum(brisk) AS brisk, sum(minutes) AS minutes,
           count(*) FILTER (WHERE sessions > 0) AS active_days,
           sum(s_sum) AS s_sum, sum(s_n) AS s_n, sum(e_sum) AS e_sum, sum(e_n) AS e_n
    FROM walkdays WHERE day >= %(ws)s GROUP BY 1
), days AS (
    SELECT prog.*, d::date AS day
    FROM prog CROSS JOIN generate_series(%(trend_start)s::date, %(we)s::date, '1 day') AS d
), tgt AS (
    SELECT days.patient_id, days.day, t.sessions_per_day AS spd, t.days_per_week AS dpw
    FROM days {_TARGET}
), adherence AS (
    SELECT tgt.patient_id, (tgt.day - %(trend_start)s::date) / 7 AS week_no,
           sum(least(coalesce(wd.sessions, 0), tgt.spd)) AS done,
           sum(tgt.spd * tgt.dpw / 7.0) AS prescribed
    FROM tgt LEFT JOIN walkdays wd ON wd.patient_id = tgt.patient_id AND wd.day = tgt.day
    WHERE tgt.spd > 0
    GROUP BY 1, 2
), trend AS (
    SELECT patient_id, json_object_agg(week_no, json_build_array(done, prescribed)) AS weeks
    FROM adherence GROUP BY 1
), checkins AS (
    SELECT c.patient_id,
           coalesce(sum(c.score) FILTER (WHERE c.date <= %(ws)s::date + 2), 0) AS s_sum,
           count(*) FILTER (WHERE c.date <= %(ws)s::date + 2) AS s_n,
           coalesce(sum(c.score) FILTER (WHERE c.date >= %(we)s::date - 2), 0) AS e_sum,
           count(*) FILTER (WHERE c.date >= %(we)s::date - 2) AS e_n,
           count(*) FILTER (WHERE c.flare_up) AS flare_ups
    FROM patients_paincheckin c JOIN pa ON pa.id = c.patient_id
    WHERE c.date BETWEEN %(ws)s AND %(we)s
    GROUP BY 1
), alerts AS (
    SELECT a.patient_id,
           count(*) FILTER (WHERE a.opened_at >= %(opened_from)s AND a.opened_at < %(opened_to)s)
               AS opened,
           count(*) FILTER (WHERE a.status = 'open') AS open,
           count(*) FILTER (WHERE a.status = 'open' AND a.severity = 'urgent') AS urgent
    FROM patients_alert a JOIN pa ON pa.id = a.patient_id
    WHERE (a.opened_at >= %(opened_from)s AND a.opened_at < %(opened_to)s) OR a.status = 'open'
    GROUP BY 1
)
SELECT pa.id,
       coalesce(week.walks, 0), coalesce(week.brisk, 0), coalesce(week.minutes, 0),
       coalesce(week.active_days, 0),
       coalesce(week.s_sum, 0) + coalesce(checkins.s_sum, 0),
       coalesce(week.s_n, 0) + coalesce(checkins.s_n, 0),
       coalesce(week.e_sum, 0) + coalesce(checkins.e_sum, 0),
       coalesce(week.e_n, 0) + coalesce(checkins.e_n, 0),
       coalesce(checkins.flare_ups, 0),
       coalesce(alerts.opened, 0), coalesce(alerts.open, 0), coalesce(alerts.urgent, 0),
       trend.weeks
FROM pa
LEFT JOIN week ON week.patient_id = pa.id
LEFT JOIN checkins ON checkins.patient_id = pa.id
LEFT JOIN alerts ON alerts.patient_id = pa.id
LEFT JOIN trend ON trend.patient_id = pa.id
"""  # noqa: S608 - constant SQL, values are parameters


def raw_adherence(cursor, *, ids: list[int], now: datetime) -> dict[int, tuple]:
    """{patient: (day, sessions done, prescribed, minutes done, inactive streak)}."""
    cursor.execute(ADHERENCE_SQL, {"ids": ids, "now": now})
    return {row[0]: row[1:] for row in cursor.fetchall()}


def raw_pain(cursor, *, ids: list[int], now: datetime) -> dict[int, tuple]:
    """{patient: (day, baseline, mean, previous mean, max score, flare-up days)}."""
    cursor.execute(PAIN_SQL, {"ids": ids, "now": now})
    return {row[0]: row[1:] for row in cursor.fetchall()}


def raw_progression(cursor, *, ids: list[int], now: datetime) -> dict[int, tuple]:
    """{patient: (sessions done and prescribed over the increment period, both None unless
    the program is active and its increment is due; mean, previous mean, flare-up reported
    on the day; calm days, None unless the program is in its flare-up plan)} for the
    programs progression decides."""
    cursor.execute(PROGRESSION_SQL, {"ids": ids, "now": now})
    return {row[0]: row[1:] for row in cursor.fetchall()}


def raw_weekly(
    cursor,
    *,
    therapist_ids: list[int],
    week_start: date,
    week_end: date,
    trend_start: date,
    week_end_at: datetime,
    opened_from: datetime,
    opened_to: datetime,
) -> dict[int, tuple]:
    """{patient: (walks, brisk, minutes, active days, start pain sum, n, end pain sum, n,
    flare-ups, alerts opened, open, urgent open, {week no: [done, prescribed]})}."""
    cursor.execute(
        WEEKLY_SQL,
        {
            "therapists": therapist_ids,
            "ws": week_start,
            "we": week_end,
            "trend_start": trend_start,
            "week_end_at": week_end_at,
            "opened_from": opened_from,
            "opened_to": opened_to,
        },
    )
    return {row[0]: row[1:] for row in cursor.fetchall()}
