"""The therapist's admin pages on the full data: time and query count (Django test Client).

Not a Django admin module (bench is not an installed app): it requests the real admin.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

REPEAT = 5
_FULL_WALK_COUNT = re.compile(r'SELECT COUNT\(\*\) AS "__count" FROM "programs_walklog"', re.I)


@dataclass
class PageResult:
    page: str
    path: str
    status: int
    median_ms: float
    max_ms: float
    queries: int
    full_walk_count: bool  # an uncapped COUNT(*) over the walk table


def _therapist():
    from bench.generate import BENCH_EMAIL_DOMAIN
    from clinic.models import Therapist

    return (
        Therapist.objects.filter(user__email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
        .select_related("user")
        .order_by("id")
        .first()
    )


def admin_pages() -> list[tuple[str, str]]:
    """(label, path) of the measured pages, for the first bench therapist's first patient."""
    from patients.models import Patient

    therapist = _therapist()
    patient = Patient.objects.filter(therapist=therapist).order_by("id").first()
    return [
        ("Patient list (caseload columns)", "/admin/patients/patient/"),
        (
            "Patient list sorted by adherence",
            f"/admin/patients/patient/?o={_column('adherence_7d')}",
        ),
        (
            "Patient list sorted by pain change",
            f"/admin/patients/patient/?o={_column('pain_change_7d')}",
        ),
        ("Patient page", f"/admin/patients/patient/{patient.id}/change/"),
        ("Walk-log list", "/admin/programs/walklog/"),
        ("Walk-log list, page 50", "/admin/programs/walklog/?p=50"),
    ]


def _column(name: str) -> int:
    """The admin's ?o= index of a patient list column (the action checkbox is column 0)."""
    from patients.admin import PatientAdmin

    return PatientAdmin.list_display.index(name) + 1


def measure_admin(repeat: int = REPEAT) -> list[PageResult]:
    """Median and max of ``repeat`` requests per page (after one warm-up) and its queries."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from programs.caseload import caseload_sort_keys_refresh

    caseload_sort_keys_refresh()  # as the periodic task keeps them
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=storages):
        client = Client()
        client.force_login(_therapist().user)
        pages = admin_pages()
        results = [_measure(client, label, path, repeat) for label, path in pages]
        # The worst case: every stored sort key stale (as for a whole clinic just after
        # its midnight, until the next refresh), so the sort reads every figure live.
        label, path = pages[1]
        _mark_sort_keys_stale()
        try:
            results.append(_measure(client, f"{label}, every stored key stale", path, repeat))
        finally:
            caseload_sort_keys_refresh()
    return results


def _measure(client: Client, label: str, path: str, repeat: int) -> PageResult:
    response = client.get(path)  # warm-up (and the status)
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
    full_count = any(
        _FULL_WALK_COUNT.search(q["sql"]) and "LIMIT" not in q["sql"] for q in ctx.captured_queries
    )
    return PageResult(
        page=label,
        path=path,
        status=response.status_code,
        median_ms=statistics.median(timings),
        max_ms=max(timings),
        queries=len(ctx.captured_queries),
        full_walk_count=full_count,
    )


def _mark_sort_keys_stale() -> None:
    from programs.models import CaseloadSortKeys

    CaseloadSortKeys.objects.update(version=F("version") + 1)
