from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from patients.models import Alert, Patient
from patients.services import patient_update
from programs import watch
from programs.models import CheckRun, PainResponse
from programs.services import pain_response_end
from programs.watch import pain_check
from tests.factories import AlertFactory, PatientFactory
from tests.programs.watch_helpers import DAY, NOW, checkins, walk

pytestmark = pytest.mark.django_db


def open_kinds(patient) -> set[str]:
    return set(
        Alert.objects.filter(patient=patient, status=Alert.Status.OPEN).values_list(
            "kind", flat=True
        )
    )


def run(*patients, day=DAY):
    return pain_check(patient_ids=[p.id for p in patients], day=day, now=NOW)


def week(score: int, offset: int = 0) -> dict[int, int]:
    """A check-in of ``score`` on each of 7 days, ``offset`` days further back."""
    return {back + offset: score for back in range(7)}


def test_pain_check_opens_pain_rising_on_a_2_point_rise_over_the_previous_week():
    patient = PatientFactory(baseline_pain=6)
    checkins(patient, {**week(5), **week(3, offset=7)})

    run(patient)

    assert open_kinds(patient) == {Alert.Kind.PAIN_RISING}


def test_pain_check_does_not_open_on_a_smaller_rise():
    patient = PatientFactory(baseline_pain=6)
    checkins(patient, {**week(5), **week(4, offset=7)})

    run(patient)

    assert open_kinds(patient) == set()


def test_pain_check_opens_pain_rising_on_any_8_including_walks_pain_after():
    patient = PatientFactory(baseline_pain=7)
    checkins(patient, {**week(6), **week(6, offset=7)})
    walk(patient, DAY - timedelta(days=2), pain_after=8)

    run(patient)

    assert open_kinds(patient) == {Alert.Kind.PAIN_RISING}


def test_pain_check_ignores_scores_older_than_the_two_windows():
    patient = PatientFactory(baseline_pain=6)
    checkins(patient, {**week(5), 14: 9})

    run(patient)

    assert open_kinds(patient) == set()


def test_pain_check_opens_a_flare_up_alert_when_one_is_reported():
    patient = PatientFactory(baseline_pain=5)
    checkins(patient, {2: 5}, flare_up=True)

    run(patient)

    assert open_kinds(patient) == {Alert.Kind.FLARE_UP}


def test_pain_check_closes_pain_rising_when_pain_settles():
    patient = PatientFactory(baseline_pain=5)
    AlertFactory(patient=patient, kind=Alert.Kind.PAIN_RISING)
    checkins(patient, {**week(4), **week(4, offset=7)})

    run(patient)

    alert = Alert.objects.get(patient=patient)
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolution.startswith("Pain settled")


def test_pain_check_closes_an_acknowledged_flare_up_alert_once_none_is_reported():
    patient = PatientFactory(baseline_pain=5)
    AlertFactory(patient=patient, kind=Alert.Kind.FLARE_UP, status=Alert.Status.ACKNOWLEDGED)
    checkins(patient, week(5))

    run(patient)

    alert = Alert.objects.get(patient=patient)
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolution.startswith("No flare-up reported")


def test_pain_check_refreshes_the_open_alert_beside_an_acknowledged_one_of_its_kind():
    patient = PatientFactory(baseline_pain=3)
    opened = AlertFactory(patient=patient, kind=Alert.Kind.PAIN_RISING, message="Old figures.")
    acknowledged = AlertFactory(
        patient=patient, kind=Alert.Kind.PAIN_RISING, status=Alert.Status.ACKNOWLEDGED
    )
    checkins(patient, {**week(6), **week(3, offset=7)})

    run(patient)

    assert Alert.objects.get(id=opened.id).message.startswith("7-day mean pain 6.0")
    assert Alert.objects.get(id=acknowledged.id).message == acknowledged.message


def test_pain_check_judges_each_patient_on_their_own_zones_last_ended_day():
    # 13:05 UTC on 20 Nov: 00:05 on the 21st in Sydney, still the 20th in London.
    sydney = PatientFactory(timezone="Australia/Sydney")
    london = PatientFactory(timezone="Europe/London")

    pain_check(patient_ids=[sydney.id, london.id], now=datetime(2026, 11, 20, 13, 5, tzinfo=UTC))

    assert dict(CheckRun.objects.values_list("patient_id", "day")) == {
        sydney.id: date(2026, 11, 20),
        london.id: date(2026, 11, 19),
    }


def test_pain_check_leaves_a_day_that_has_not_ended_in_the_patients_zone():
    # 12:00 UTC on 21 November: the 21st is under way in London, and over in Auckland.
    london = PatientFactory(timezone="Europe/London")
    auckland = PatientFactory(timezone="Pacific/Auckland")

    result = run(london, auckland, day=DAY + timedelta(days=1))

    assert result.checked == 1
    assert list(CheckRun.objects.values_list("patient_id", flat=True)) == [auckland.id]


def test_pain_check_records_a_clinically_important_response_at_30_percent():
    improved, not_yet = PatientFactory(baseline_pain=10), PatientFactory(baseline_pain=10)
    checkins(improved, week(7))  # 30% below baseline
    checkins(not_yet, {**week(7), 0: 8})  # mean 7.14

    run(improved, not_yet)

    response = PainResponse.objects.get()
    assert (response.patient, response.first_day, response.last_day) == (improved, DAY, None)
    assert response.mean_pain == 7.0
    assert response.improvement_percent == 30


def run_days_later(patient, days: int):
    """The check of DAY + ``days``, a day after it ended."""
    later = timedelta(days=days)
    return pain_check(patient_ids=[patient.id], day=DAY + later, now=NOW + later)


def test_pain_check_keeps_one_open_response_while_it_holds():
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, {**week(6), -1: 6})
    run(patient)

    run_days_later(patient, 1)

    response = PainResponse.objects.get()
    assert (response.first_day, response.last_day, response.mean_pain) == (DAY, None, 6.0)


def test_pain_check_ends_a_response_on_the_first_day_it_no_longer_holds():
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, {**week(7), -1: 10})  # the next day's mean: 7.43
    run(patient)

    run_days_later(patient, 1)

    assert PainResponse.objects.get().last_day == DAY


def test_pain_check_ends_a_response_on_the_last_day_checked_before():
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, {**week(7), -5: 10})  # 5 days on, the mean is 8
    run(patient)

    run_days_later(patient, 5)  # the days between were not checked (paused, say)

    assert PainResponse.objects.get().last_day == DAY


def test_pain_check_ends_a_response_once_no_score_is_left_to_tell():
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, week(7))
    run(patient)
    run_days_later(patient, 6)  # DAY's score is the last one in the window

    run_days_later(patient, 7)

    assert PainResponse.objects.get().last_day == DAY + timedelta(days=6)


def test_pain_check_ends_a_response_without_a_check_before_on_its_first_day():
    patient = PatientFactory(baseline_pain=10)
    PainResponse.objects.create(
        patient=patient, first_day=DAY - timedelta(days=3), mean_pain=6.0, baseline_pain=10
    )
    checkins(patient, week(9))

    run(patient)

    assert PainResponse.objects.get().last_day == DAY - timedelta(days=3)


def test_pain_check_opens_a_new_response_after_one_ended():
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, {**week(7), -1: 10, -2: 1})  # means 7, 7.43, 6.57 over three days
    run(patient)
    run_days_later(patient, 1)

    run_days_later(patient, 2)

    periods = PainResponse.objects.order_by("first_day").values_list("first_day", "last_day")
    assert list(periods) == [(DAY, DAY), (DAY + timedelta(days=2), None)]


def test_pain_check_twice_for_the_same_day_changes_nothing_more():
    patient = PatientFactory(baseline_pain=8)
    checkins(patient, week(5))
    run(patient)

    result = run(patient)

    assert result.checked == 0
    assert PainResponse.objects.count() == 1


def test_pain_check_counts_a_patient_without_scores_as_checked_once():
    quiet, scored = PatientFactory(), PatientFactory(baseline_pain=8)
    checkins(scored, week(5))

    first = run(quiet, scored)
    again = run(quiet, scored)

    assert (first.checked, again.checked) == (2, 0)
    assert set(CheckRun.objects.values_list("patient_id", "kind", "day")) == {
        (quiet.id, CheckRun.Kind.PAIN, DAY),
        (scored.id, CheckRun.Kind.PAIN, DAY),
    }


@pytest.mark.parametrize("status", [Patient.Status.PAUSED, Patient.Status.DISCHARGED])
def test_a_response_ends_on_the_last_day_checked_when_the_patient_leaves_the_watch(status):
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, {**week(6), -1: 6, -2: 6})
    run(patient)
    run_days_later(patient, 2)

    patient_update(patient=patient, status=status)

    assert PainResponse.objects.get().last_day == DAY + timedelta(days=2)


def test_a_response_is_left_open_by_other_changes_to_the_patient():
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, week(6))
    run(patient)

    patient_update(patient=patient, status=Patient.Status.ACTIVE, first_name="Renamed")

    assert PainResponse.objects.get().last_day is None


def test_ending_a_response_leaves_other_patients_responses_open():
    leaving, staying = PatientFactory(baseline_pain=10), PatientFactory(baseline_pain=10)
    checkins(leaving, week(6))
    checkins(staying, week(6))
    run(leaving, staying)

    patient_update(patient=leaving, status=Patient.Status.DISCHARGED)

    assert PainResponse.objects.get(patient=staying).last_day is None


def test_ending_a_response_without_a_check_on_record_ends_it_on_its_first_day():
    patient = PatientFactory(baseline_pain=10)
    PainResponse.objects.create(patient=patient, first_day=DAY, mean_pain=6.0, baseline_pain=10)

    ended = pain_response_end(patient=patient)

    assert (ended, PainResponse.objects.get().last_day) == (1, DAY)


def test_ending_a_response_never_ends_it_before_its_first_day():
    patient = PatientFactory(baseline_pain=10)
    CheckRun.objects.create(patient=patient, kind=CheckRun.Kind.PAIN, day=DAY - timedelta(days=2))
    PainResponse.objects.create(patient=patient, first_day=DAY, mean_pain=6.0, baseline_pain=10)

    pain_response_end(patient=patient)

    assert PainResponse.objects.get().last_day == DAY


def test_pain_check_opens_no_response_for_a_patient_paused_since_it_read_them(monkeypatch):
    patient = PatientFactory(baseline_pain=10)
    checkins(patient, week(6))
    read = watch._pain_claims

    def read_then_pause(*args, **kwargs):
        claimed = read(*args, **kwargs)
        Patient.objects.filter(id=patient.id).update(status=Patient.Status.PAUSED)
        return claimed

    monkeypatch.setattr(watch, "_pain_claims", read_then_pause)

    run(patient)

    assert not PainResponse.objects.exists()


def test_pain_check_skips_discharged_patients():
    patient = PatientFactory(status="discharged")
    checkins(patient, week(9))

    run(patient)

    assert open_kinds(patient) == set()


def test_pain_check_makes_the_same_queries_for_2_or_20_patients(django_assert_num_queries):
    groups = [[PatientFactory(baseline_pain=3) for _ in range(n)] for n in (2, 20)]
    for patient in groups[0] + groups[1]:
        checkins(patient, {0: 8, 1: 2})

    # The patients, their claims and pain windows (PostgreSQL: one statement; elsewhere
    # the patients, the claim, walks' pain and check-ins), their alerts, their open
    # responses, new alerts, and the savepoint pair of the atomic block inside the test's
    # transaction.
    expected = 6 if connection.vendor == "postgresql" else 9
    for patients in groups:
        with django_assert_num_queries(expected):
            run(*patients)


def test_pain_check_opening_responses_makes_the_same_queries_for_2_or_20(
    django_assert_num_queries,
):
    groups = [[PatientFactory(baseline_pain=10) for _ in range(n)] for n in (2, 20)]
    for patient in groups[0] + groups[1]:
        checkins(patient, week(5))

    # As above, without alerts to open, and which of those responding are still active
    # before their responses are inserted.
    expected = 7 if connection.vendor == "postgresql" else 10
    for patients in groups:
        with django_assert_num_queries(expected):
            run(*patients)
        assert PainResponse.objects.filter(patient__in=patients).count() == len(patients)
