from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bench.generate import (
    BENCH_EMAIL_DOMAIN,
    _line_formatter,
    bench_generate,
    bench_patients,
)
from clinic.models import Therapist
from clinic.timezones import local_date
from patients.models import PainCheckIn
from programs.models import TargetChange, WalkingProgram, WalkLog
from programs.targets import target_for_date
from tests.bench.conftest import NOW

pytestmark = pytest.mark.django_db


def test_bench_generate_writes_the_counts_it_reports(small_caseload):
    patients = bench_patients()
    assert small_caseload.patients == patients.count() == 24
    assert small_caseload.therapists == 6
    assert Therapist.objects.filter(user__email__endswith=BENCH_EMAIL_DOMAIN).count() == 6
    assert small_caseload.walks == WalkLog.objects.filter(patient__in=patients).count() > 0
    assert small_caseload.checkins == PainCheckIn.objects.filter(patient__in=patients).count() > 0
    assert small_caseload.target_changes == TargetChange.objects.count()
    assert small_caseload.programs == WalkingProgram.objects.count() == 24


def test_bench_generate_volume_is_about_1_2_walks_and_0_55_checkins_a_day(small_caseload):
    patient_days = 24 * 40
    assert 0.8 < small_caseload.walks / patient_days < 1.6
    assert 0.35 < small_caseload.checkins / patient_days < 0.75


def test_bench_generate_local_dates_match_the_start_instant_across_dst(small_caseload):
    # The history spans New York's switch to summer time (8 March 2026).
    for walk in WalkLog.objects.select_related("patient"):
        assert walk.local_date == local_date(walk.started_at, walk.patient.timezone)


def test_bench_generate_walks_follow_the_target_history(small_caseload):
    for walk in WalkLog.objects.select_related("program")[:200]:
        changes = list(walk.program.target_changes.order_by("effective_on", "id"))
        target = target_for_date(changes, walk.local_date)
        assert target is not None
        assert target.minutes_per_session - 1 <= walk.duration_minutes
        assert walk.duration_minutes <= target.minutes_per_session + 2


def test_bench_generate_appends_with_fresh_ids_and_usernames(small_caseload):
    more = bench_generate(patients=4, days=20, now=NOW, patients_per_therapist=4)
    assert more.patients == 4
    assert bench_patients().count() == 28
    usernames = list(bench_patients().values_list("user__username", flat=True))
    assert len(set(usernames)) == 28
    # The sequences were moved past the explicit ids: an ordinary insert still works.
    walk = WalkLog.objects.first()
    walk.pk = None
    walk.save()
    assert WalkLog.objects.filter(pk=walk.pk).exists()


def test_copy_lines_escape_text_and_write_times_as_postgresql_reads_them():
    names = ("note", "started_at", "local_date", "distance_m")
    fields = [WalkLog._meta.get_field(name) for name in names]
    line = _line_formatter(fields, "\n")
    row = ("a\tb\\c\nd", datetime(2026, 5, 1, 7, 23, tzinfo=UTC), date(2026, 5, 1), None)

    expected = "a\\tb\\\\c\\nd\t2026-05-01 07:23:00+00:00\t2026-05-01\t\\N\n"
    assert line(row) == expected
    assert line(row) == expected  # the remembered forms
    assert line(("", row[1], row[2], 80)) == "\t2026-05-01 07:23:00+00:00\t2026-05-01\t80\n"
