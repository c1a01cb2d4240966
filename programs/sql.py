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
