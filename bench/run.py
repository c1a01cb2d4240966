"""``make bench``: generate the data, then measure the jobs, the API and the admin.

    BENCH_PATIENTS=10000 BENCH_DAYS=180 python -m bench.run [--only data,jobs,api,admin,scaling]

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/walkrx_bench), created if the
server has no such database. The data is regenerated from scratch (schema dropped and
migrated) when the database does not hold exactly BENCH_PATIENTS bench patients; the
database's name must contain "bench".
Prints Markdown tables and writes them to var/bench/latest.md (and .json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/walkrx_bench"
SECTIONS = ("data", "jobs", "api", "admin", "scaling")


def _env() -> dict[str, str]:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))
    os.environ["WALKRX_BENCH_TWINS"] = "true"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Plain HTTP in-process and on loopback: in production TLS ends at the proxy in front.
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    return dict(os.environ)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.data: dict = {}

    def out(self, text: str = "") -> None:
        print(text, flush=True)  # noqa: T201 - the benchmark prints its tables
        self.lines.append(text)

    def table(self, header: list[str], rows: list[list]) -> None:
        self.out("| " + " | ".join(header) + " |")
        self.out("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self.out("| " + " | ".join(str(c) for c in row) + " |")
        self.out()


def machine(report: Report) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    mem_kb = int(
        next(
            ln for ln in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in ln
        ).split()[1]
    )
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
         if ln.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    report.out("## Machine")
    report.out()
    report.table(
        ["nproc", "CPU", "RAM", "PostgreSQL", "Python", "load (1/5/15 min) at start"],
        [[os.cpu_count(), cpu, f"{mem_kb / 1024 / 1024:.1f} GiB", pg, platform.python_version(),
          load()]],
    )  # fmt: skip


def _bench_database_name(action: str) -> str:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        raise SystemExit(f"Refusing to {action} database {name!r}: its name must contain 'bench'.")
    return name


def create_database_if_missing() -> None:
    """CREATE DATABASE for DATABASE_URL if the server has none of that name, so a fresh
    machine's ``make bench`` needs no createdb first."""
    from django.db import connection
    from psycopg import sql

    name = _bench_database_name("create")
    if connection.vendor != "postgresql":
        return
    # Django's own way to reach the server without the database (as the test runner does
    # to create the test database): the "postgres" maintenance database.
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def reset_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    _bench_database_name("reset")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)


def generate(report: Report, patients: int, days: int, *, fresh: bool) -> None:
    from django.db import connection
    from tqdm import tqdm

    from bench.generate import bench_generate
    from programs.caseload import caseload_sort_keys_refresh

    if fresh:
        reset_database()
    with tqdm(total=patients, desc="Generating patients", unit="patient") as bar:
        summary = bench_generate(patients=patients, days=days, progress=bar.update)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum = time.perf_counter() - started
    # What the periodic refresh does after a bulk load: the admin's sorted lists read these.
    started = time.perf_counter()
    refreshed = caseload_sort_keys_refresh()
    sort_keys = time.perf_counter() - started
    report.out(f"### Data ({'fresh' if fresh else 'appended'}, load {load()})")
    report.out()
    report.table(
        ["patients", "therapists", "programs", "target changes", "walks", "check-ins",
         "rows", "seconds", "rows/s", "VACUUM ANALYZE s", "sort keys s"],
        [[f"{summary.patients:,}", summary.therapists, f"{summary.programs:,}",
          f"{summary.target_changes:,}", f"{summary.walks:,}", f"{summary.checkins:,}",
          f"{summary.rows:,}", f"{summary.seconds:.1f}", f"{summary.rows_per_second:,.0f}",
          f"{vacuum:.1f}", f"{sort_keys:.1f}"]],
    )  # fmt: skip
    report.data.setdefault("generate", []).append(
        {
            **asdict(summary),
            "rows": summary.rows,
            "vacuum_s": vacuum,
            "sort_keys_s": sort_keys,
            "sort_keys_refreshed": refreshed,
        }
    )


def ensure_data(report: Report, patients: int, days: int) -> None:
    from django.core.management import call_command

    from bench.generate import bench_patients

    call_command("migrate", verbosity=0)
    have = bench_patients().count()
    if have == patients:
        report.out(f"Data: {have:,} bench patients already present; not regenerated.")
        report.out()
        return
    generate(report, patients, days, fresh=True)


def run_job(job: str, patients: int, now: datetime) -> dict:
    out = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.jobs", job, str(patients), now.isoformat()],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench.jobs {job} {patients} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def jobs_at(patients: int, now: datetime, repeat: int = 1) -> dict[str, dict]:
    """Each job and its raw SQL, run alternately ``repeat`` times: the run of median time."""
    from bench.jobs import JOBS

    results = {}
    # Untimed: the weekly report's 8 weeks read first, so no job pays for a cold cache.
    run_job("raw:weekly_reports", patients, now)
    for job in JOBS:
        runs: dict[str, list[dict]] = {job: [], f"raw:{job}": []}
        for _ in range(repeat):
            for name in runs:
                r = run_job(name, patients, now)
                runs[name].append(r)
                print(  # noqa: T201
                    f"  {name:<24} {r['patients']:>6} patients {r['seconds']:8.2f} s "
                    f"{r['queries']:>6} queries {r['peak_rss_mb']:6.0f} MB",
                    flush=True,
                )
        for name, done in runs.items():
            results[name] = sorted(done, key=lambda r: r["seconds"])[len(done) // 2]
        results[job] = results[job] | {"pair_ratios": pair_ratios(runs[job], runs[f"raw:{job}"])}
    return results


def pair_ratios(job_runs: list[dict], raw_runs: list[dict]) -> list[float]:
    """Each job run's time over its raw SQL run's (run right after it), smallest first.

    The machine's speed drifts over minutes: the medians of the two may come from
    different minutes, where the two runs of a pair share theirs.
    """
    return sorted(_ratio(run, raw) for run, raw in zip(job_runs, raw_runs, strict=True))


def _ratio(run: dict, raw: dict) -> float:
    return run["seconds"] / raw["seconds"] if raw["seconds"] else float("nan")


def jobs_table(report: Report, results: dict[str, dict], patients: int) -> None:
    from bench.jobs import JOBS

    report.out(f"### Jobs over {patients:,} patients (load {load()})")
    report.out()
    rows = []
    for job in JOBS:
        r, raw = results[job], results[f"raw:{job}"]
        ratio = _ratio(r, raw)
        per_chunk = r["queries"] / r["chunks"] if r["chunks"] else r["queries"]
        pairs = " / ".join(f"{x:.2f}" for x in r.get("pair_ratios", ()))
        rows.append(
            [job, r["rows"], f"{r['seconds']:.2f}", f"{raw['seconds']:.2f}", f"{ratio:.2f}x",
             pairs, r["queries"], r["chunks"], f"{per_chunk:.1f}", f"{r['peak_rss_mb']:.0f}",
             f"{raw['peak_rss_mb']:.0f}"]
        )  # fmt: skip
    report.table(
        ["job", "patients evaluated", "job s", "raw SQL s", "job / raw", "job / raw, each pair",
         "queries", "chunks", "queries / chunk", "peak RSS MB", "raw peak RSS MB"],
        rows,
    )  # fmt: skip


def section_jobs(report: Report, patients: int, now: datetime) -> dict[str, dict]:
    print(f"Jobs over {patients:,} patients", flush=True)  # noqa: T201
    runs = int(os.environ.get("BENCH_JOB_RUNS", "5"))
    results = jobs_at(patients, now, repeat=runs)
    jobs_table(report, results, patients)
    report.out()
    report.out(
        f"Each job and its raw SQL ran alternately {runs} times; the table shows the median "
        "run of each, and the ratio of every run to the raw SQL run right after it."
    )
    report.data["jobs"] = results
    return results


def section_api(report: Report, seconds: int, workers: int) -> None:
    from bench import api

    tokens = api.issue_tokens()
    raws = [raw for _, raw in tokens]
    env = api.server_env(os.environ["DATABASE_URL"])
    print(f"API: gunicorn {workers} workers on {api.HOST}:{api.PORT}", flush=True)  # noqa: T201
    started_load = load()
    with api.Gunicorn(env, workers):
        eps = api.endpoints(tokens)
        results = api.measure_load(eps, raws, seconds=seconds)
    counts = api.query_counts(eps, raws)
    report.out(
        f"### API (gunicorn {workers} sync workers, wrk 2 threads, {seconds} s per run, "
        f"{len(raws)} patients' tokens; load {started_load} before, {load()} after)"
    )
    report.out()
    by = {(r.endpoint, r.variant, r.concurrency): r for r in results}
    rows = []
    for ep in eps:
        for c in (8, 32):
            a, t = by[(ep.label, "api", c)], by[(ep.label, "twin", c)]
            ratio = f"{a.rps / t.rps:.2f}x" if t.rps else "n/a"
            rows.append(
                [ep.label, c, f"{a.rps:.0f}", f"{t.rps:.0f}", ratio,
                 f"{a.p50_ms:.1f} / {a.p95_ms:.1f} / {a.p99_ms:.1f}",
                 f"{t.p50_ms:.1f} / {t.p95_ms:.1f} / {t.p99_ms:.1f}",
                 f"{a.errors} / {t.errors}",
                 f"{counts[(ep.label, 'api')]} / {counts[(ep.label, 'twin')]}"]
            )  # fmt: skip
    for c in (8, 32):
        n = by[("GET /bench/nodb/ (no database)", "nodb", c)]
        rows.append(
            ["GET /bench/nodb/ (no database, for information)", c, "", f"{n.rps:.0f}", "",
             "", f"{n.p50_ms:.1f} / {n.p95_ms:.1f} / {n.p99_ms:.1f}", f"{n.errors}", "0"]
        )  # fmt: skip
    report.table(
        ["endpoint", "c", "API req/s", "twin req/s", "API / twin", "API p50 / p95 / p99 ms",
         "twin p50 / p95 / p99 ms", "errors API / twin", "queries API / twin"],
        rows,
    )  # fmt: skip
    report.data["api"] = [asdict(r) for r in results]
    report.data["api_queries"] = {f"{k[0]} [{k[1]}]": v for k, v in counts.items()}


def section_admin(report: Report) -> None:
    from bench.admin import measure_admin

    results = measure_admin()
    report.out(f"### Admin (therapist, Django test Client, median of 5; load {load()})")
    report.out()
    report.table(
        ["page", "status", "median ms", "max ms", "queries", "uncapped COUNT(*) on walks"],
        [[r.page, r.status, f"{r.median_ms:.0f}", f"{r.max_ms:.0f}", r.queries,
          "yes" if r.full_walk_count else "no"] for r in results],
    )  # fmt: skip
    report.data["admin"] = [asdict(r) for r in results]


def section_scaling(
    report: Report, base: int, days: int, now: datetime, at_base: dict | None
) -> None:
    from bench.generate import bench_patients
    from bench.jobs import JOBS

    sizes = [int(n) for n in os.environ.get("BENCH_SCALING", "2500,5000,10000,20000").split(",")]
    per_size: dict[int, dict] = {}
    for n in sizes:
        if n > bench_patients().count():
            generate(report, n - bench_patients().count(), days, fresh=False)
        if n == base and at_base:
            per_size[n] = at_base
            continue
        print(f"Scaling: jobs over {n:,} patients", flush=True)  # noqa: T201
        per_size[n] = jobs_at(n, now)
    report.out(f"### Scaling: job seconds by patients (load {load()})")
    report.out()
    rows = []
    for job in JOBS:
        for name in (job, f"raw:{job}"):
            secs = [per_size[n][name]["seconds"] for n in sizes]
            growth = secs[-1] / secs[0] if secs[0] else float("nan")
            rows.append(
                [name, *(f"{s:.2f}" for s in secs), f"{growth:.1f}x",
                 f"{sizes[-1] / sizes[0]:.0f}x",
                 " / ".join(str(per_size[n][name]["queries"]) for n in sizes),
                 f"{max(per_size[n][name]['peak_rss_mb'] for n in sizes):.0f}"]
            )  # fmt: skip
    report.table(
        ["job", *(f"{n:,}" for n in sizes), "time growth", "patients growth",
         "queries at each size", "max peak RSS MB"],
        rows,
    )  # fmt: skip
    report.data["scaling"] = {str(n): v for n, v in per_size.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="Sections to run.")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    _env()
    import django

    django.setup()
    from django.utils import timezone

    patients = int(os.environ.get("BENCH_PATIENTS", "10000"))
    days = int(os.environ.get("BENCH_DAYS", "180"))
    seconds = int(os.environ.get("BENCH_API_SECONDS", "10"))
    workers = int(os.environ.get("BENCH_WORKERS", "4"))
    report = Report()
    report.out(f"# WalkRx benchmark, {timezone.now():%Y-%m-%d %H:%M} UTC")
    report.out()
    report.out(
        f"`BENCH_PATIENTS={patients} BENCH_DAYS={days} BENCH_API_SECONDS={seconds} "
        f"BENCH_WORKERS={workers} python -m bench.run --only {args.only}`"
    )
    report.out()
    create_database_if_missing()
    machine(report)
    ensure_data(report, patients, days)
    now = timezone.now()
    at_base = None
    if "jobs" in only:
        at_base = section_jobs(report, patients, now)
    if "api" in only:
        section_api(report, seconds, workers)
    if "admin" in only:
        section_admin(report)
    if "scaling" in only:
        section_scaling(report, patients, days, now, at_base)
    report.out(f"Load average at the end: {load()}")
    out = Path("var/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.md").write_text("\n".join(report.lines) + "\n")
    (out / "latest.json").write_text(json.dumps(report.data, indent=2, default=str))


if __name__ == "__main__":
    main()
