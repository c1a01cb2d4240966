from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.generate import GenerateSummary, bench_generate
from programs.caseload import caseload_sort_keys_refresh

# A fixed instant (a Wednesday) so every run generates and checks the same days.
NOW = datetime(2026, 3, 25, 10, 30, tzinfo=UTC)


@pytest.fixture
def small_caseload(db) -> GenerateSummary:
    """The benchmark generator at test size: 24 patients, 6 therapists, 40 days.

    Then the stored caseload sort keys, as the periodic refresh keeps them: the sort tests
    read them where they hold and, after a test's writes, live.
    """
    summary = bench_generate(patients=24, days=40, now=NOW, patients_per_therapist=4)
    caseload_sort_keys_refresh(now=NOW)
    return summary
