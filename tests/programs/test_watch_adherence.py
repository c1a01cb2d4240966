from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from patients.models import Alert
from programs.models import CheckRun, WalkingProgram, WalkLog
from programs.watch import adherence_check, evaluation_day, evaluation_days
from tests.factories import PatientFactory, WalkLogFactory
from tests.programs.watch_helpers import DAY, NOW, program_for, walk, walk_days

pytestmark = pytest.mark.django_db


def open_kinds(patient) -> set[str]:
    return set(
        Alert.objects.filter(patient=patient, status=Alert.Status.OPEN).values_list(
            "kind", flat=True
        )
    )


def run(*patients, day=DAY, now=NOW):
    return adherence_check(patient_ids=[p.id for p in patients], day=day, now=now)


def test_adherence_check_opens_missed_sessions_after_exactly_3_inactive_days():
    program = program_for()
    walk_days(program.patient, range(3, 7))

    run(program.patient)

    assert Alert.Kind.MISSED_SESSIONS in open_kinds(program.patient)


def test_adherence_check_does_not_open_missed_sessions_after_2_inactive_days():
    program = program_for()
    walk_days(program.patient, range(2, 7))

    run(program.patient)

    assert Alert.Kind.MISSED_SESSIONS not in open_kinds(program.patient)


def test_adherence_check_allows_rest_days_of_a_5_day_week():
    program = program_for(days_per_week=5)
    walk_days(program.patient, range(4, 7))  # 4 inactive days: 2 rest days + 2 missed

    run(program.patient)

    assert Alert.Kind.MISSED_SESSIONS not in open_kinds(program.patient)


def test_adherence_check_opens_low_adherence_below_half_of_7_days():
    program = program_for(sessions_per_day=2)
    walk_days(program.patient, [0, 1, 2, 3, 4, 5])  # 6 of 14 sessions: 43%

    run(program.patient)

    assert open_kinds(program.patient) == {Alert.Kind.LOW_ADHERENCE}


def test_adherence_check_does_not_open_low_adherence_at_exactly_half():
    program = program_for(sessions_per_day=2)
    walk_days(program.patient, range(7))  # 7 of 14 sessions: 50%

    run(program.patient)

    assert open_kinds(program.patient) == set()


def test_adherence_check_counts_indoor_marching_only_where_the_program_allows_it():
    allowed = program_for(indoor_allowed=True)
    refused = program_for(indoor_allowed=False)
    for program in (allowed, refused):
        walk_days(program.patient, range(7), kind=WalkLog.Kind.INDOOR_MARCHING)

    run(allowed.patient, refused.patient)

    assert open_kinds(allowed.patient) == set()
    assert open_kinds(refused.patient) == {Alert.Kind.MISSED_SESSIONS, Alert.Kind.LOW_ADHERENCE}


def test_adherence_check_twice_for_the_same_day_changes_nothing_more():
    program = program_for()
    run(program.patient)
    before = list(Alert.objects.values_list("id", "message", "updated_at"))

    result = run(program.patient)

    assert result.checked == 0
    assert list(Alert.objects.values_list("id", "message", "updated_at")) == before
    assert CheckRun.objects.filter(patient=program.patient).count() == 1


def test_adherence_check_refreshes_the_open_alert_on_the_next_day():
    program = program_for()
    run(program.patient)

    run(program.patient, day=DAY + timedelta(days=1), now=NOW + timedelta(days=1))

    alert = Alert.objects.get(patient=program.patient, kind=Alert.Kind.MISSED_SESSIONS)
    assert alert.message == "No walks on the last 14 prescribed days (to 21 Nov 2026)."
    assert Alert.objects.filter(patient=program.patient).count() == 2  # missed + low, once each


def test_adherence_check_moves_the_patients_claim_forward_to_the_next_day():
    program = program_for()
    run(program.patient)
    first_checked_at = CheckRun.objects.get().checked_at

    result = run(program.patient, day=DAY + timedelta(days=1), now=NOW + timedelta(days=1))

    assert result.checked == 1
    claim = CheckRun.objects.get()
    assert (claim.patient_id, claim.kind) == (program.patient_id, CheckRun.Kind.ADHERENCE)
    assert claim.day == DAY + timedelta(days=1)
    assert claim.checked_at > first_checked_at


def test_adherence_check_records_the_day_each_claim_moved_on_from():
    program = program_for()
    run(program.patient, day=DAY - timedelta(days=3))
    first = CheckRun.objects.values_list("previous_day", flat=True).get()

    run(program.patient)

    assert first is None
    assert CheckRun.objects.values_list("previous_day", flat=True).get() == DAY - timedelta(days=3)


def test_adherence_check_leaves_a_day_that_has_not_ended_in_the_patients_zone():
    # 12:00 UTC on 21 November: the 21st is under way in London, and over in Auckland.
    london = program_for(patient=PatientFactory(timezone="Europe/London"))
    auckland = program_for(patient=PatientFactory(timezone="Pacific/Auckland"))

    result = run(london.patient, auckland.patient, day=DAY + timedelta(days=1), now=NOW)

    assert result.checked == 1  # Auckland (UTC+13) ended the 21st at 11:00 UTC
    assert list(CheckRun.objects.values_list("patient_id", flat=True)) == [auckland.patient_id]


def test_adherence_check_skips_a_day_before_the_last_one_checked():
    program = program_for()
    run(program.patient)
    before = list(Alert.objects.values_list("id", "message", "updated_at"))

    result = run(program.patient, day=DAY - timedelta(days=1))

    assert result.checked == 0
    assert list(Alert.objects.values_list("id", "message", "updated_at")) == before
    assert CheckRun.objects.get(patient=program.patient).day == DAY


def test_adherence_check_claims_are_one_row_per_check_whatever_the_patients_days():
    first, second = program_for(), program_for()
    run(first.patient, day=DAY - timedelta(days=2))
    run(second.patient, day=DAY)

    run(first.patient, second.patient, day=DAY - timedelta(days=1))

    assert dict(CheckRun.objects.values_list("patient_id", "day")) == {
        first.patient_id: DAY - timedelta(days=1),  # moved forward
        second.patient_id: DAY,  # already checked for a later day: left alone
    }


def test_adherence_check_closes_alerts_when_the_patient_is_back_on_track():
    program = program_for()
    run(program.patient, day=DAY - timedelta(days=7))
    walk_days(program.patient, range(7))

    run(program.patient)

    resolved = Alert.objects.filter(patient=program.patient, status=Alert.Status.RESOLVED)
    assert {a.kind for a in resolved} == {Alert.Kind.MISSED_SESSIONS, Alert.Kind.LOW_ADHERENCE}
    assert all(a.resolution and a.resolved_at for a in resolved)


@pytest.mark.parametrize("status", [WalkingProgram.Status.PAUSED, WalkingProgram.Status.COMPLETED])
def test_adherence_check_leaves_paused_and_completed_programs_alone(status):
    program = program_for(status=status)

    run(program.patient)

    assert open_kinds(program.patient) == set()


def test_adherence_check_ignores_days_after_the_program_ended():
    program = program_for(end_date=DAY - timedelta(days=7))

    run(program.patient)

    assert open_kinds(program.patient) == set()


def test_adherence_check_judges_each_patient_on_their_own_local_day():
    # 23:30 UTC on 29 March 2026: 00:30 on the 30th in London (BST began that day),
    # 19:30 on the 29th in New York.
    now = datetime(2026, 3, 29, 23, 30, tzinfo=ZoneInfo("UTC"))
    london = program_for(
        patient=PatientFactory(timezone="Europe/London"), start_date=now.date() - timedelta(20)
    )
    new_york = program_for(
        patient=PatientFactory(timezone="America/New_York"), start_date=now.date() - timedelta(20)
    )

    run(london.patient, new_york.patient, day=None, now=now)

    runs = dict(CheckRun.objects.values_list("patient_id", "day"))
    assert runs[london.patient_id] == now.date()  # the 23-hour DST day just ended
    assert runs[new_york.patient_id] == now.date() - timedelta(days=1)


def test_adherence_check_counts_a_walk_early_on_a_dst_day_on_its_local_date():
    # London's 29 March 2026 is 23 hours long; 00:30 local is 00:30 UTC, still that day.
    day = date(2026, 3, 29)
    program = program_for(
        patient=PatientFactory(timezone="Europe/London"), start_date=day - timedelta(20)
    )
    walk_days_before(program.patient, day, range(1, 7))
    WalkLogFactory(
        patient=program.patient,
        started_at=datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo("Europe/London")),
    )

    run(program.patient, day=day)

    assert open_kinds(program.patient) == set()


def walk_days_before(patient, day, backs):
    for back in backs:
        walk(patient, day - timedelta(days=back))


UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("tz", "now", "expected"),
    [
        # Sydney is UTC+11 in November: 13:05 UTC is 00:05 on the 21st there.
        ("Australia/Sydney", datetime(2026, 11, 20, 13, 5, tzinfo=UTC), date(2026, 11, 20)),
        ("Australia/Sydney", datetime(2026, 11, 20, 12, 55, tzinfo=UTC), date(2026, 11, 19)),
        # Los Angeles is UTC-8: 08:05 UTC on the 21st is 00:05 on the 21st there.
        ("America/Los_Angeles", datetime(2026, 11, 21, 8, 5, tzinfo=UTC), date(2026, 11, 20)),
        ("America/Los_Angeles", datetime(2026, 11, 21, 7, 55, tzinfo=UTC), date(2026, 11, 19)),
        # Europe/London's 25-hour day (25 Oct 2026) ends at 00:00 GMT on the 26th.
        ("Europe/London", datetime(2026, 10, 25, 23, 59, tzinfo=UTC), date(2026, 10, 24)),
        ("Europe/London", datetime(2026, 10, 26, 0, 0, tzinfo=UTC), date(2026, 10, 25)),
    ],
)
def test_evaluation_day_is_the_last_fully_ended_local_day(tz, now, expected):
    assert evaluation_day(tz_name=tz, day=None, now=now) == expected


def test_evaluation_day_is_the_given_day_for_backfills():
    assert evaluation_day(tz_name="Asia/Tokyo", day=DAY, now=NOW) == DAY


def test_adherence_check_makes_the_same_queries_for_3_or_30_patients(django_assert_num_queries):
    small = [program_for(sessions_per_day=2).patient for _ in range(3)]
    large = [program_for(sessions_per_day=2).patient for _ in range(30)]
    for patient in small + large:
        walk_days(patient, [5])

    # 1 programs, 2 claim, 3 adherence figures (PostgreSQL: one statement; elsewhere
    # 3 targets and 4 walk sums), then open alerts, new alerts, and the savepoint pair of
    # the atomic block inside the test's transaction.
    expected = 7 if connection.vendor == "postgresql" else 8
    for patients in (small, large):
        with django_assert_num_queries(expected):
            run(*patients)


def test_evaluation_days_of_two_instants_in_a_dst_fold_are_each_ones_own():
    new_york = ZoneInfo("America/New_York")
    first = datetime(2025, 11, 2, 1, 30, tzinfo=new_york)  # 05:30 UTC
    second = first.replace(fold=1)  # 06:30 UTC, equal to the first as a local time

    days = [evaluation_day(tz_name="America/Regina", day=None, now=at) for at in (first, second)]

    assert days == [date(2025, 10, 31), date(2025, 11, 1)]


def test_evaluation_days_gives_each_patient_their_own_zones_day():
    # 13:05 UTC on 20 Nov: 00:05 on the 21st in Sydney, still the 20th in London and UTC.
    now = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
    zones = [(1, "Australia/Sydney"), (2, "Europe/London"), (3, "Australia/Sydney"), (4, "UTC")]

    days = evaluation_days(zones, day=None, now=now)

    assert days == {
        1: date(2026, 11, 20),
        2: date(2026, 11, 19),
        3: date(2026, 11, 20),
        4: date(2026, 11, 19),
    }


def test_evaluation_days_are_the_given_day_for_backfills():
    zones = [(1, "Australia/Sydney"), (2, "America/Los_Angeles")]

    assert evaluation_days(zones, day=DAY, now=NOW) == {1: DAY, 2: DAY}
