"""The daily watch and the weekly reports over N patients, and their raw SQL yardsticks.

Each measurement runs in its own process (``python -m bench.jobs JOB N``) so its peak
memory (ru_maxrss) is its own; it prints one JSON line: seconds, queries, chunks, peak
RSS. The job services are called directly (as the Celery chunk tasks call them), inside
one transaction that is rolled back at the end, so every run starts from the same rows.
A "(next day)" run follows its first day committed, as a clinic's does, and that day is
undone afterwards (committed_preparation).
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

# "(next day)": the check again, the day after a first run (committed, then undone:
# committed_preparation): the clinic's daily case. An alert's message names the day, so
# the second day refreshes every alert the first opened. The generated programs have had
# no decision for weeks, so on the first day every one is due at once (the worst case, a
# history row for most); on the next, those held, progressed or stepped back the day
# before are not (those already at their maximum, which make no history row, stay due),
# as on a clinic's ordinary day.
JOBS = (
    "check_adherence",
    "check_adherence (next day)",
    "check_pain_trends",
    "check_pain_trends (next day)",
    "progress_programs",
    "progress_programs (next day)",
    "weekly_reports",
)
# What the jobs write (and roll back, or undo: committed_preparation).
_WRITTEN_TABLES = (
    "programs_checkrun",
    "patients_alert",
    "programs_painresponse",
    "programs_targetchange",
    "programs_walkingprogram",
)
# The tables a committed preparation changes, each with its key, in the order they are put
# back: the caseload sort keys last, as the programs' triggers (programs/0015) count their
# writes, the undo's own included, on them.
_RESTORED_TABLES = {
    **dict.fromkeys(_WRITTEN_TABLES, "id"),
    "programs_caseloadsortkeys": "patient_id",
}


@dataclass
class JobResult:
    job: str
    patients: int
    seconds: float
    queries: int
    chunks: int
    peak_rss_mb: float
    rows: int  # patients evaluated / figures returned

    @property
    def queries_per_chunk(self) -> float:
        return self.queries / self.chunks if self.chunks else float(self.queries)


class QueryCounter:
    """connection.execute_wrapper that counts statements (executemany counts once)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM): unlike ru_maxrss on Linux, it does not
    carry over the parent's high-water mark from before fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def job_patient_ids(n: int) -> list[int]:
    """The first ``n`` benchmark patients by id (every status: the jobs filter themselves)."""
    from bench.generate import bench_patients

    return list(bench_patients().order_by("id").values_list("id", flat=True)[:n])


def report_week(now: datetime):
    """The last complete ISO week (Monday) before ``now`` in the bench clinics' first zone."""
    from clinic.reports import report_week_for

    return report_week_for(now, "Europe/London")


def _watch_job(check, days_before: int = 0) -> Callable[[list[int], datetime], tuple[int, int]]:
    def run(ids: list[int], now: datetime) -> tuple[int, int]:
        from programs import watch

        active = set(watch.watch_patient_ids())
        population = [i for i in ids if i in active]
        chunks = list(watch.chunked(population))
        done = 0
        for chunk in chunks:
            result = check(patient_ids=chunk, now=now - timedelta(days=days_before))
            done += result.checked
        return done, len(chunks)

    return run


def _therapists_for(ids: list[int]) -> list:
    from clinic.models import Therapist

    return list(
        Therapist.objects.filter(patients__id__in=ids)
        .distinct()
        .select_related("clinic", "user")
        .order_by("id")
    )


def _weekly(ids: list[int], now: datetime) -> tuple[int, int]:
    from clinic.report_queries import CHUNK_SIZE
    from clinic.services import weekly_report_data

    week_start = report_week(now)
    rows = chunks = 0
    for therapist in _therapists_for(ids):
        data = weekly_report_data(therapist=therapist, week_start=week_start, now=now)
        rows += len(data["patients"])
        chunks += max(1, math.ceil(len(data["patients"]) / CHUNK_SIZE))
    return rows, chunks


def _raw(fn_name: str):
    def run(ids: list[int], now: datetime) -> tuple[int, int]:
        from django.db import connection

        from bench import sql

        with connection.cursor() as cursor:
            return len(getattr(sql, fn_name)(cursor, ids=ids, now=now)), 1

    return run


def weekly_raw_args(ids: list[int], now: datetime) -> list[dict]:
    """raw_weekly()'s arguments for the therapists of ``ids``, one set per clinic time zone
    (as weekly_report_data has them: the clinic's week bounds)."""
    from clinic.report_queries import TREND_WEEKS
    from clinic.timezones import local_day_bounds

    week_start = report_week(now)
    by_zone: dict[str, list[int]] = {}
    for therapist in _therapists_for(ids):
        by_zone.setdefault(therapist.clinic.timezone, []).append(therapist.id)
    return [
        {
            "therapist_ids": therapist_ids,
            "week_start": week_start,
            "week_end": week_start + timedelta(days=6),
            "trend_start": week_start - timedelta(weeks=TREND_WEEKS - 1),
            "week_end_at": local_day_bounds(week_start + timedelta(days=6), tz)[1],
            "opened_from": local_day_bounds(week_start, tz)[0],
            "opened_to": local_day_bounds(week_start + timedelta(days=7), tz)[0],
        }
        for tz, therapist_ids in by_zone.items()
    ]


def _raw_weekly(ids: list[int], now: datetime) -> tuple[int, int]:
    from django.db import connection

    from bench.sql import raw_weekly

    rows = 0
    with connection.cursor() as cursor:
        for args in weekly_raw_args(ids, now):
            rows += len(raw_weekly(cursor, **args))
    return rows, 1


def runners() -> dict[str, Callable[[list[int], datetime], tuple[int, int]]]:
    from programs import watch

    return {
        "check_adherence": _watch_job(watch.adherence_check),
        "check_adherence (next day)": _watch_job(watch.adherence_check),
        "check_pain_trends": _watch_job(watch.pain_check),
        "check_pain_trends (next day)": _watch_job(watch.pain_check),
        "progress_programs": _watch_job(watch.progression_check),
        "progress_programs (next day)": _watch_job(watch.progression_check),
        "weekly_reports": _weekly,
        "raw:check_adherence": _raw("raw_adherence"),
        "raw:check_adherence (next day)": _raw("raw_adherence"),
        "raw:check_pain_trends": _raw("raw_pain"),
        "raw:check_pain_trends (next day)": _raw("raw_pain"),
        "raw:progress_programs": _raw("raw_progression"),
        "raw:progress_programs (next day)": _raw("raw_progression"),
        "raw:weekly_reports": _raw_weekly,
    }


def preparations() -> dict[str, Callable[[list[int], datetime], tuple[int, int]]]:
    """What a job's timed run (and its yardstick's) follows, untimed and committed
    (committed_preparation)."""
    from programs import watch

    return {
        "check_adherence (next day)": _watch_job(watch.adherence_check, days_before=1),
        "check_pain_trends (next day)": _watch_job(watch.pain_check, days_before=1),
        "progress_programs (next day)": _watch_job(watch.progression_check, days_before=1),
    }


def measure(job: str, patients: int, now: datetime) -> JobResult:
    """Run one job over the first ``patients`` bench patients, rolled back afterwards."""
    from django.db import connection

    ids = job_patient_ids(patients)
    if connection.vendor != "postgresql":
        raise RuntimeError("The benchmark's jobs run on PostgreSQL (DATABASE_URL).")
    with connection.cursor() as cursor:
        # PostgreSQL's JIT compiles plans it estimates as costly: the raw statements over
        # all patients (never the jobs' chunk queries) paid seconds of compilation for
        # sub-second work. Off for both sides, so raw SQL is the database's best.
        cursor.execute("SET jit = off")
    # A "(next day)" yardstick follows the same first day as its job: progression's
    # first day changes which programs are due on the next.
    prepare = preparations().get(job.removeprefix("raw:"))
    undo_committed_preparation()  # what a run killed before its undo left committed
    with committed_preparation(prepare, ids, now) if prepare else nullcontext():
        return _measure_rolled_back(job, ids, now)


def _measure_rolled_back(job: str, ids: list[int], now: datetime) -> JobResult:
    from django.db import connection, transaction

    run = runners()[job]
    counter = QueryCounter()

    class _RollbackError(Exception):
        pass

    # Each run's writes are rolled back, but their dead rows stay in the tables and their
    # indexes until a vacuum; without one every run would be slower than the last.
    _vacuum_written_tables()
    result: JobResult | None = None
    try:
        with transaction.atomic():
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked when the
            # transaction commits, which a rolled-back run never reaches. Checked at each
            # statement instead, a run pays what the chunks' commits pay in production.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                rows, chunks = run(ids, now)
                seconds = time.perf_counter() - started
            result = JobResult(
                job=job,
                patients=len(ids),
                seconds=seconds,
                queries=counter.count,
                chunks=chunks,
                peak_rss_mb=peak_rss_mb(),
                rows=rows,
            )
            raise _RollbackError
    except _RollbackError:
        pass
    if result is None:  # pragma: no cover - the block always sets it
        raise RuntimeError(job)
    return result


def _vacuum_written_tables(*, analyze: bool = False) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in _RESTORED_TABLES:  # the written ones, and the sort keys they count on
            cursor.execute(f"VACUUM {'ANALYZE ' if analyze else ''}{table}")


# The written tables as they were before a committed preparation, until it is undone.
_UNDO_PREFIX = "bench_undo_"


@contextmanager
def committed_preparation(
    prepare: Callable[[list[int], datetime], tuple[int, int]], ids: list[int], now: datetime
) -> Iterator[None]:
    """Run ``prepare`` and commit it; on exit, put the written tables back as they were.

    A clinic's next day follows a committed day. Prepared in the measured run's own
    transaction instead, it cost that run what production never pays: PostgreSQL checks
    the foreign keys of every row updated that its own transaction inserted (a claim moved
    forward, an alert refreshed), and the planner had no statistics on the day's rows.
    The undo copies wait in tables of their own (logged: a server's crash empties an
    unlogged one), so a run killed before its undo is undone by the next one.
    """
    from django.db import connection, transaction

    undo_committed_preparation()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _RESTORED_TABLES:
            cursor.execute(f"CREATE TABLE {_UNDO_PREFIX}{table} AS TABLE {table}")
    try:
        with transaction.atomic():
            prepare(ids, now)
        # As autovacuum does after a day's claims moved forward.
        _vacuum_written_tables(analyze=True)
        yield
    finally:
        undo_committed_preparation()


def undo_committed_preparation() -> None:
    """Restore the changed tables from their undo copies, if any, drop the copies, and
    gather the tables' statistics again (the first day's are theirs no more).

    Only the rows that differ are deleted and put back. Django's foreign keys are
    checked at commit, when every row referenced is back.
    """
    from django.db import connection, transaction

    restored = False
    with transaction.atomic(), connection.cursor() as cursor:
        for table, key in _RESTORED_TABLES.items():
            undo = _UNDO_PREFIX + table
            cursor.execute("SELECT to_regclass(%s)", [undo])
            if cursor.fetchone()[0] is None:
                continue
            cursor.execute(
                f"DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM {undo} u "  # noqa: S608
                f"WHERE u.{key} = t.{key} AND (u.*) IS NOT DISTINCT FROM (t.*))"
            )
            cursor.execute(
                f"INSERT INTO {table} SELECT * FROM {undo} u "  # noqa: S608 - our table names
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = u.{key})"
            )
            cursor.execute(f"DROP TABLE {undo}")
            restored = True
    if restored:
        _vacuum_written_tables(analyze=True)


def main(argv: list[str]) -> None:
    """python -m bench.jobs JOB PATIENTS [NOW_ISO]: one JSON line on stdout."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.utils import timezone

    from clinic.celery import app, freeze_start_up_objects

    # As each worker process does once it has started: with the task modules loaded.
    app.loader.import_default_modules()
    freeze_start_up_objects()

    job, patients = argv[0], int(argv[1])
    now = datetime.fromisoformat(argv[2]) if len(argv) > 2 else timezone.now()
    sys.stdout.write(json.dumps(asdict(measure(job, patients, now))) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
