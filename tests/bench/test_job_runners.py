from __future__ import annotations

from bench.jobs import JOBS, preparations, runners


def test_every_job_has_a_runner_and_a_raw_sql_yardstick():
    names = set(runners())

    assert {*JOBS, *(f"raw:{job}" for job in JOBS)} <= names


def test_a_next_day_run_follows_a_first_run_of_the_same_check():
    assert set(preparations()) == {job for job in JOBS if job.endswith("(next day)")}
