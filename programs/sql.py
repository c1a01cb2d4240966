"""SQL fragments of the program rules that the hand-written PostgreSQL statements share.

The daily watch, the weekly reports, the caseload's sort keys and the progress page each
look up a day's target, whether the program prescribes that day and which walks count;
one text for each rule keeps them the same as the Python definitions they are tested
against. (bench/sql.py keeps its own copy on purpose: the benchmark's yardstick is
written independently of what it measures.)
"""

from __future__ import annotations

from programs.models import WalkingProgram, WalkLog

TARGET_COLUMNS = ("sessions_per_day", "minutes_per_session", "days_per_week")


def target_in_force_sql(
    *, program: str, day: str, columns: tuple[str, ...] = TARGET_COLUMNS
) -> str:
    """A LATERAL subquery: the target of program ``program`` in force on ``day`` (SQL
    expressions), i.e. the latest change effective on or before it, the last created of a
    day winning (programs.targets.target_for_date)."""
    selected = ", ".join(f"tc.{column}" for column in columns)
    return f"""LATERAL (
        SELECT {selected}
        FROM programs_targetchange tc
        WHERE tc.program_id = {program} AND tc.effective_on <= {day}
        ORDER BY tc.effective_on DESC, tc.id DESC
        LIMIT 1
    )"""  # noqa: S608 - SQL expressions of our own statements, no values


def targets_between_sql(
    *, program: str, first: str, last: str, columns: tuple[str, ...] = TARGET_COLUMNS
) -> str:
    """A subquery: the changes of program ``program`` in force on some day from ``first`` to
    ``last`` (SQL expressions), each with ``since`` (its effective day) and ``until`` (the
    next change's, NULL for the last): it holds on the days ``since`` <= day < ``until``.
    Join a day to it with ``in_force_on_sql()``. The same targets as target_in_force_sql()
    on each day from ``first`` to ``last`` (and only on those), from two index reads (the
    change in force on ``first``, and the changes after it) where that costs one a day. The
    earlier changes of a day get ``since`` equal to ``until`` and hold on no day: the last
    created holds."""
    selected = ", ".join(f"tc.{column}" for column in columns)
    return f"""(
        SELECT c.effective_on AS since,
               lead(c.effective_on) OVER (ORDER BY c.effective_on, c.id) AS until,
               {", ".join(f"c.{column}" for column in columns)}
        FROM (
            (SELECT tc.effective_on, tc.id, {selected}
             FROM programs_targetchange tc
             WHERE tc.program_id = {program} AND tc.effective_on <= {first}
             ORDER BY tc.effective_on DESC, tc.id DESC
             LIMIT 1)
            UNION ALL
            (SELECT tc.effective_on, tc.id, {selected}
             FROM programs_targetchange tc
             WHERE tc.program_id = {program} AND tc.effective_on > {first}
               AND tc.effective_on <= {last})
        ) c
    )"""  # noqa: S608 - SQL expressions of our own statements, no values


def in_force_on_sql(*, changes: str, day: str) -> str:
    """Whether the change ``changes`` (a row of targets_between_sql()) holds on ``day``."""
    return f"({day} >= {changes}.since AND ({changes}.until IS NULL OR {day} < {changes}.until))"


def prescribes_on_sql(*, program: str, day: str) -> str:
    """WalkingProgram.is_active_on (programs.models.prescribes_on) in SQL for the row ``program``
    (with status, start_date and end_date) on ``day`` (an SQL expression)."""
    paused, completed = WalkingProgram.Status.PAUSED.value, WalkingProgram.Status.COMPLETED.value
    return (
        f"({program}.status <> '{paused}'"
        f" AND NOT ({program}.status = '{completed}' AND {program}.end_date IS NULL)"
        f" AND {day} >= {program}.start_date"
        f" AND ({program}.end_date IS NULL OR {day} <= {program}.end_date))"
    )


def walk_counts_sql(*, indoor_allowed: str, kind: str) -> str:
    """WalkingProgram.counts_kind in SQL: whether a walk of kind ``kind`` counts for a
    program allowing indoor marching or not (``indoor_allowed``; both SQL expressions)."""
    return f"({indoor_allowed} OR {kind} <> '{WalkLog.Kind.INDOOR_MARCHING.value}')"
