"""The benchmark's fast paths compute the plain definitions' figures (correctness only).

On generated data: the chunked daily-watch job against the per-patient selectors, and
the raw SQL yardsticks (bench.sql, PostgreSQL) against the selectors and the report.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import F

from bench import sql
from bench.generate import bench_patients
from bench.jobs import weekly_raw_args
from clinic.conf import walkrx_setting
from clinic.models import Therapist
from clinic.report_queries import caseload_weeks
from clinic.services import report_patients
from clinic.timezones import local_date
from patients.models import Alert, PainCheckIn, Patient
from patients.trends import PainTotals, pain_trend
from programs import watch
from programs.adherence import adherence_for_period, inactive_streak, missed_days_threshold
from programs.alert_rules import adherence_alert_calls
from programs.caseload import (
    SORT_KEYS,
    caseload_stats_for_page,
    patients_with_caseload_sort_keys,
    patients_with_caseload_stats,
)
from programs.models import CheckRun, WalkingProgram, WalkLog
from programs.progression import calm_days, increment_due
from programs.selectors import daily_activity, day_targets_from_changes
from tests.api.conftest import client_for
from tests.bench.conftest import NOW
from tests.factories import (
    PainCheckInFactory,
    TargetChangeFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="raw SQL yardsticks are PostgreSQL"
)


def _day(patient: Patient):
    return local_date(NOW, patient.timezone) - timedelta(days=1)


def _plain_targets(program: WalkingProgram, start, end):
    """The days' targets from the program's whole history (no fast path)."""
    history = list(program.target_changes.order_by("effective_on", "id"))
    return day_targets_from_changes(program=program, changes=history, start=start, end=end)


def _plain_period(program: WalkingProgram, start, end):
    activity = daily_activity(
        patient_id=program.patient_id,
        start=start,
        end=end,
        indoor_allowed=program.indoor_allowed,
    )
    return _plain_targets(program, start, end), activity


def _plain_adherence(program: WalkingProgram):
    """The per-program definitions: 7-day adherence, 14-day inactive streak."""
    day = _day(program.patient)
    adherence = adherence_for_period(*_plain_period(program, day - timedelta(days=6), day))
    streak = inactive_streak(*_plain_period(program, day - timedelta(days=13), day))
    return adherence, streak


def _current_programs():
    return WalkingProgram.objects.filter(
        patient__in=bench_patients().filter(status=Patient.Status.ACTIVE),
        status__in=WalkingProgram.CURRENT_STATUSES,
    ).select_related("patient")


def _plain_scores(patient: Patient, start, end) -> list[int]:
    checkins = PainCheckIn.objects.filter(patient=patient, date__range=(start, end))
    walks = WalkLog.objects.filter(patient=patient, local_date__range=(start, end))
    return [c.score for c in checkins] + [w.pain_after for w in walks]


def test_adherence_job_opens_the_alerts_the_plain_definitions_call_for(small_caseload):
    expected = set()
    for program in _current_programs():
        adherence, streak = _plain_adherence(program)
        calls = adherence_alert_calls(
            adherence,
            streak,
            day=_day(program.patient),
            missed_threshold=missed_days_threshold(
                program.days_per_week, walkrx_setting("MISSED_DAYS")
            ),
            low_ratio=walkrx_setting("LOW_ADHERENCE_RATIO"),
        )
        expected |= {(program.patient_id, c.kind) for c in calls if c.open}
    ids = list(bench_patients().order_by("id").values_list("id", flat=True))
    for chunk in watch.chunked(ids, 7):
        watch.adherence_check(patient_ids=chunk, now=NOW)
    opened = set(Alert.objects.filter(status=Alert.Status.OPEN).values_list("patient_id", "kind"))
    assert opened == expected
    assert expected  # the generated mix has drifting patients


def test_the_watchs_program_figures_are_the_plain_definitions(small_caseload):
    # PostgreSQL computes them in one statement, other databases from the targets and
    # walk sums in Python: both must give the per-program definitions exactly.
    programs = list(_current_programs())
    spans = {p.id: watch._Span(_day(p.patient), 14, 7) for p in programs}

    figures = watch._program_figures(programs, spans)

    assert figures == {p.id: _plain_adherence(p) for p in programs}
    assert any(streak for _, streak in figures.values())
    assert any(a.minutes_prescribed != int(a.minutes_prescribed) for a, _ in figures.values())


def test_the_watchs_progression_figures_are_the_plain_definitions(small_caseload):
    programs = list(_current_programs())
    spans = {
        p.id: watch._Span(_day(p.patient), p.increment_every_days, p.increment_every_days)
        for p in programs
    }

    figures = watch._program_figures(programs, spans)

    for program in programs:
        day = _day(program.patient)
        start = day - timedelta(days=program.increment_every_days - 1)
        assert figures[program.id][0] == adherence_for_period(*_plain_period(program, start, day))


def _totals(scores: list[int]) -> PainTotals:
    return PainTotals(sum(scores), len(scores), max(scores) if scores else None)


def test_the_watchs_pain_windows_are_the_plain_definitions(small_caseload):
    patients = list(bench_patients().filter(status=Patient.Status.ACTIVE))
    days = {p.id: _day(p) for p in patients}

    figures = watch._claim_with_pain(CheckRun.Kind.PAIN, days)

    assert set(figures) == set(days)  # every patient claimed, with or without scores
    for patient in patients:
        day = days[patient.id]
        start, before = day - timedelta(days=6), day - timedelta(days=13)
        flares = PainCheckIn.objects.filter(
            patient=patient, flare_up=True, date__range=(start, day)
        ).values_list("date", flat=True)
        current, previous, flare_days = figures[patient.id]
        assert current == _totals(_plain_scores(patient, start, day))
        assert previous == _totals(_plain_scores(patient, before, start - timedelta(days=1)))
        assert sorted(flare_days) == sorted(flares)
    assert any(flare_days for _, _, flare_days in figures.values())


def test_the_pain_checks_claims_read_the_plain_definitions(small_caseload):
    patients = list(bench_patients())
    checked = patients[0]
    yesterday = _day(checked) - timedelta(days=1)
    CheckRun.objects.create(patient=checked, kind=CheckRun.Kind.PAIN, day=yesterday)

    claimed = watch._pain_claims([p.id for p in patients], day=None, now=NOW)

    active = [p for p in patients if p.status == Patient.Status.ACTIVE]
    assert set(claimed) == {p.id for p in active}
    for patient in active:
        day = _day(patient)
        start, before = day - timedelta(days=6), day - timedelta(days=13)
        read = claimed[patient.id]
        assert (read.day, read.baseline) == (day, patient.baseline_pain)
        assert read.last_checked == (yesterday if patient == checked else None)
        assert read.current == _totals(_plain_scores(patient, start, day))
        assert read.previous == _totals(_plain_scores(patient, before, start - timedelta(days=1)))


def test_the_watchs_pain_per_day_is_the_plain_definition(small_caseload):
    patients = list(bench_patients())
    end = NOW.date()
    start = end - timedelta(days=20)

    pain = watch._day_pain([p.id for p in patients], start, end)

    for patient in patients:
        scores = defaultdict(list)
        for c in PainCheckIn.objects.filter(patient=patient, date__range=(start, end)):
            scores[c.date].append(c.score)
        for w in WalkLog.objects.filter(
            patient=patient, local_date__range=(start, end), pain_after__isnull=False
        ):
            scores[w.local_date].append(w.pain_after)
        flares = PainCheckIn.objects.filter(
            patient=patient, flare_up=True, date__range=(start, end)
        ).values_list("date", flat=True)
        by_day = pain.days.get(patient.id, {})
        assert {d: tuple(t) for d, t in by_day.items()} == {
            d: (sum(s), len(s), max(s)) for d, s in scores.items()
        }
        assert pain.flare_days.get(patient.id, set()) == set(flares)
    assert any(pain.flare_days.values())


CASELOAD_COLUMNS = [
    "current_program_id",
    "current_sessions_per_day",
    "current_minutes_per_session",
    "current_days_per_week",
    "adherence_sessions_done",
    "adherence_sessions_prescribed",
    "adherence_ratio",
    "last_walk_on",
    "open_alerts",
    "pain_mean",
    "previous_pain_mean",
    "pain_change",
]


def test_a_pages_caseload_columns_are_the_annotations(small_caseload):
    # A patient already on tomorrow (UTC+14): each row's window is its own local week.
    Patient.objects.filter(pk=bench_patients().first().pk).update(timezone="Pacific/Kiritimati")
    annotated = patients_with_caseload_stats(bench_patients(), now=NOW).order_by("pk")
    page = list(bench_patients().order_by("pk"))

    caseload_stats_for_page(page, now=NOW)

    def columns(patient):
        return [getattr(patient, c) for c in CASELOAD_COLUMNS]

    assert [columns(p) for p in page] == [columns(p) for p in annotated]
    assert any(p.adherence_sessions_done for p in page)
    assert any(p.pain_change is not None for p in page)


def _walkers() -> list[Patient]:
    """Active bench patients with more than three walks in their last six days."""
    return [
        p
        for p in bench_patients().filter(status=Patient.Status.ACTIVE).order_by("pk")
        if WalkLog.objects.filter(patient=p, local_date__gt=_day(p) - timedelta(days=6)).count() > 3
    ]


def _assert_sort_keys_are_the_annotations() -> list[tuple]:
    """Every bench patient's sort keys equal the annotations; returns the keys."""

    def read(queryset, names):
        named = queryset.annotate(**{f"k_{name}": F(name) for name in names})
        return list(named.order_by("pk").values_list(*(f"k_{name}" for name in names)))

    keys = read(patients_with_caseload_sort_keys(bench_patients(), now=NOW), SORT_KEYS.values())
    annotated = read(
        patients_with_caseload_stats(bench_patients(), now=NOW, select=False), SORT_KEYS
    )

    assert len(keys) == len(annotated) == bench_patients().count()
    for by_key, by_annotation in zip(keys, annotated, strict=True):
        # Adherence as exact sevenths here, a sum of floats there: equal to float error.
        if by_annotation[0] is None:
            assert by_key[0] is None
        else:
            assert by_key[0] == pytest.approx(by_annotation[0], rel=1e-12, abs=0)
        assert by_key[1:] == by_annotation[1:]
    return keys


@postgres_only  # elsewhere the sort keys are the annotations themselves
def test_the_sort_keys_are_the_annotations(small_caseload):
    first, paused, ending, stepped = _walkers()[:4]
    Patient.objects.filter(pk=first.pk).update(timezone="Pacific/Kiritimati")
    WalkingProgram.objects.filter(patient=paused).update(status=WalkingProgram.Status.PAUSED)
    # A program that ended three days ago and does not count indoor marching.
    WalkingProgram.objects.filter(patient=ending).update(
        end_date=_day(ending) - timedelta(days=2), indoor_allowed=False
    )
    WalkLog.objects.filter(
        patient=ending, pk__in=WalkLog.objects.filter(patient=ending)[:20]
    ).update(kind=WalkLog.Kind.INDOOR_MARCHING)
    # More sessions, fewer days, from three days ago: the targets differ day by day.
    TargetChangeFactory(
        program=WalkingProgram.objects.get(patient=stepped),
        effective_on=_day(stepped) - timedelta(days=2),
        sessions_per_day=3,
        days_per_week=5,
    )
    # Six walks on one day: no more than the day's target count.
    WalkLogFactory.create_batch(
        6, patient=stepped, started_at=NOW - timedelta(days=1), pain_after=None
    )

    keys = _assert_sort_keys_are_the_annotations()

    assert {k[0] for k in keys} - {None, 0.0, 1.0}, "some partial adherence"
    assert any(k[2] is not None for k in keys), "some pain change"


def _change(patient: Patient, days_after_evaluated: int, sessions: int) -> None:
    TargetChangeFactory(
        program=WalkingProgram.objects.get(patient=patient),
        effective_on=_day(patient) + timedelta(days=days_after_evaluated),
        sessions_per_day=sessions,
    )


@postgres_only
def test_the_adherence_key_follows_the_target_history(small_caseload):
    # The key's window is today (the evaluated day + 1) and the 6 days before.
    on_first_day, in_window, restarted, amended = _walkers()[:4]
    # Two changes on the window's first day, and two on a later one: the later one holds.
    for sessions in (4, 1):
        _change(on_first_day, -5, sessions)
    for sessions in (1, 4):
        _change(in_window, -4, sessions)
    _change(in_window, +1, 1)  # effective today
    # A history that starts inside the window: no target on the days before.
    WalkingProgram.objects.get(patient=restarted).target_changes.all().delete()
    _change(restarted, -3, 2)
    # Corrected on the day it was set, before the window: the later change holds.
    WalkingProgram.objects.get(patient=amended).target_changes.all().delete()
    for sessions in (4, 1):
        _change(amended, -20, sessions)

    _assert_sort_keys_are_the_annotations()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("descending", [False, True])
def test_the_admin_sorts_by_pain_change_in_the_figures_order(small_caseload, client, descending):
    therapist = Therapist.objects.filter(patients__in=bench_patients()).first()
    client.force_login(therapist.user)
    listed = client.get("/admin/patients/patient/")
    column = listed.context["cl"].list_display.index("pain_change_7d")

    response = client.get("/admin/patients/patient/", {"o": f"{'-' if descending else ''}{column}"})

    changes = [p.pain_change for p in response.context["cl"].result_list]
    known = [c for c in changes if c is not None]
    assert len(known) >= 2
    assert known == sorted(known, reverse=descending)
    assert changes[: len(known)] == known  # patients without the figure come last


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "ordering", ["adherence_7d", "-adherence_7d", "pain_change", "-pain_change"]
)
def test_the_api_sorts_the_caseload_in_the_shown_figures_order(small_caseload, ordering):
    therapist = Therapist.objects.filter(patients__in=bench_patients()).first()
    client = client_for(therapist.user)

    response = client.get("/api/v1/patients/", {"ordering": ordering, "page_size": 200})

    shown = [row[ordering.lstrip("-")] for row in response.json()["results"]]
    known = [value for value in shown if value is not None]
    assert len(known) >= 2
    assert known == sorted(known, reverse=ordering.startswith("-"))
    assert shown[: len(known)] == known  # patients without the figure come last


@postgres_only
def test_raw_adherence_sql_matches_the_selectors(small_caseload):
    ids = list(bench_patients().values_list("id", flat=True))
    with connection.cursor() as cursor:
        raw = sql.raw_adherence(cursor, ids=ids, now=NOW)
    programs = list(_current_programs())
    assert set(raw) == {p.patient_id for p in programs}
    for program in programs:
        adherence, streak = _plain_adherence(program)
        day, done, prescribed, minutes, raw_streak = raw[program.patient_id]
        assert day == _day(program.patient)
        assert done == adherence.sessions_done
        assert float(prescribed) == pytest.approx(adherence.sessions_prescribed)
        assert minutes == adherence.minutes_done
        assert raw_streak == streak


@postgres_only
def test_raw_pain_sql_matches_the_pain_trend_definition(small_caseload):
    active = list(bench_patients().filter(status=Patient.Status.ACTIVE))
    with connection.cursor() as cursor:
        raw = sql.raw_pain(cursor, ids=[p.id for p in active], now=NOW)
    assert set(raw) == {p.id for p in active}
    for patient in active:
        day = _day(patient)
        current = _plain_scores(patient, day - timedelta(days=6), day)
        previous = _plain_scores(patient, day - timedelta(days=13), day - timedelta(days=7))
        trend = pain_trend(current, previous, patient.baseline_pain)
        flares = PainCheckIn.objects.filter(
            patient=patient, flare_up=True, date__range=(day - timedelta(days=6), day)
        ).count()
        r_day, baseline, mean, previous_mean, max_score, flare_days = raw[patient.id]
        assert (r_day, baseline, max_score, flare_days) == (
            day,
            patient.baseline_pain,
            trend.max_score,
            flares,
        )
        assert mean == pytest.approx(trend.mean)
        assert previous_mean == pytest.approx(trend.previous_mean)


@postgres_only
def test_raw_progression_sql_matches_the_selectors(small_caseload):
    programs = [
        p
        for p in _current_programs()
        if p.status in (WalkingProgram.Status.ACTIVE, WalkingProgram.Status.FLARE_UP)
    ]
    # One program decided yesterday (no increment due) and one in its flare-up plan:
    # adherence decides neither, so the yardstick leaves it out as the check does. The
    # others' increments fall due today.
    held, flaring = programs[:2]
    for program in programs:
        program.status = WalkingProgram.Status.ACTIVE
        program.last_progression_on = _day(program.patient) + timedelta(
            days=1 - program.increment_every_days
        )
    held.last_progression_on = _day(held.patient)
    flaring.status = WalkingProgram.Status.FLARE_UP
    WalkingProgram.objects.bulk_update(programs, ["last_progression_on", "status"])
    with connection.cursor() as cursor:
        raw = sql.raw_progression(cursor, ids=[p.patient_id for p in programs], now=NOW)
    assert set(raw) == {p.patient_id for p in programs}
    judged = 0
    for program in programs:
        day = _day(program.patient)
        done, prescribed, mean, _, flare_today, calm_days_raw = raw[program.patient_id]
        due = increment_due(
            day=day,
            start_date=program.start_date,
            last_progression_on=program.last_progression_on,
            every_days=program.increment_every_days,
        )
        if not due or program.status == WalkingProgram.Status.FLARE_UP:
            assert (done, prescribed) == (None, None)
        else:
            start = day - timedelta(days=program.increment_every_days - 1)
            adherence = adherence_for_period(*_plain_period(program, start, day))
            assert done == adherence.sessions_done
            assert float(prescribed) == pytest.approx(adherence.sessions_prescribed)
            judged += 1
        current = _plain_scores(program.patient, day - timedelta(days=6), day)
        assert mean == pytest.approx(sum(current) / len(current) if current else None)
        assert (
            flare_today
            == PainCheckIn.objects.filter(patient=program.patient, date=day, flare_up=True).exists()
        )
        assert calm_days_raw == (
            _plain_calm_days(program, day)
            if program.status == WalkingProgram.Status.FLARE_UP
            else None
        )
    assert judged == len(programs) - 2


def _plain_calm_days(program: WalkingProgram, day) -> int:
    """programs.progression.calm_days over the program's max(14, period) days of scores."""
    start = day - timedelta(days=max(14, program.increment_every_days) - 1)
    by_day = defaultdict(list)
    for c in PainCheckIn.objects.filter(patient=program.patient, date__range=(start, day)):
        by_day[c.date].append(c.score)
    for w in WalkLog.objects.filter(
        patient=program.patient, local_date__range=(start, day), pain_after__isnull=False
    ):
        by_day[w.local_date].append(w.pain_after)
    level = program.pre_flare_pain
    if level is None:
        level = float(program.patient.baseline_pain)
    return calm_days(by_day, end=day, level=level)


@postgres_only
@pytest.mark.parametrize(
    ("period", "scores", "expected"),
    [
        # A score on every day for longer than the lookback: the run is the lookback.
        (7, dict.fromkeys(range(40), (3,)), 14),
        (30, dict.fromkeys(range(40), (3,)), 30),
        # A day's mean 1 point above the level is calm; 1.5 above ends the run.
        (7, {0: (4, 4), 1: (5, 4), 2: (3,)}, 1),
        # A day without a score ends it; a walk without one is not a score.
        (7, {0: (3,), 1: (2, 3), 3: (3,)}, 2),
        (7, {0: (5, None), 1: (3,)}, 0),
    ],
)
def test_raw_progression_counts_calm_days_as_the_rule_does(period, scores, expected):
    program = WalkingProgramFactory(
        status=WalkingProgram.Status.FLARE_UP,
        increment_every_days=period,
        pre_flare_pain=3.0,
        start_date=NOW.date() - timedelta(days=60),
    )
    day = _day(program.patient)
    for back, day_scores in scores.items():
        PainCheckInFactory(patient=program.patient, date=day - timedelta(back), score=day_scores[0])
        for pain in day_scores[1:]:
            WalkLogFactory(
                patient=program.patient,
                started_at=NOW - timedelta(days=back + 1),
                local_date=day - timedelta(back),
                pain_after=pain,
            )

    with connection.cursor() as cursor:
        raw = sql.raw_progression(cursor, ids=[program.patient_id], now=NOW)

    assert raw[program.patient_id][5] == expected == _plain_calm_days(program, day)


@postgres_only
def test_raw_weekly_sql_matches_the_weekly_report_figures(small_caseload):
    ids = list(bench_patients().values_list("id", flat=True))
    # Alerts for the alert columns: open ones from the daily checks.
    watch.adherence_check(patient_ids=ids, now=NOW)
    watch.pain_check(patient_ids=ids, now=NOW)
    assert Alert.objects.exists()
    # Every third walk without a pain score: only the scores given count in the means.
    walk_ids = list(WalkLog.objects.order_by("id").values_list("id", flat=True))
    WalkLog.objects.filter(id__in=walk_ids[::3]).update(pain_after=None)
    compared = total = 0
    for args in weekly_raw_args(ids, NOW):
        with connection.cursor() as cursor:
            raw = sql.raw_weekly(cursor, **args)
        total += len(raw)
        for therapist in Therapist.objects.filter(id__in=args["therapist_ids"]):
            weeks = caseload_weeks(
                patients=report_patients(therapist=therapist, week_start=args["week_start"]),
                week_start=args["week_start"],
                clinic_timezone=therapist.clinic.timezone,
            )
            for week in weeks:
                _assert_same_week(raw[week.patient_id], week)
                compared += 1
    assert compared == total > 0


def _assert_same_week(r: tuple, week) -> None:
    assert r[:4] == (week.walks, week.brisk_walks, week.minutes_walked, week.active_days)
    assert (r[4], r[5]) == (week.pain_start.total, week.pain_start.count)
    assert (r[6], r[7]) == (week.pain_end.total, week.pain_end.count)
    assert r[8:12] == (
        week.flare_ups,
        week.alerts_opened,
        week.alerts_open,
        week.urgent_alerts_open,
    )
    trend = r[12] or {}
    percents = []
    for n in range(len(week.weekly_adherence)):
        done, prescribed = trend.get(str(n), (0, 0))
        percents.append(round(min(1.0, done / prescribed) * 100) if prescribed else None)
    assert tuple(percents) == week.weekly_adherence
