"""The progression check's pain per patient and local day: check-ins and walks' pain-after."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from programs.watch import _day_pain
from tests.factories import PatientFactory, WalkLogFactory
from tests.programs.watch_helpers import DAY, checkins, walk

pytestmark = pytest.mark.django_db

START = DAY - timedelta(days=13)


def day_pain(*patients):
    pain = _day_pain([p.id for p in patients], START, DAY)
    days = {pid: {d: tuple(t) for d, t in by_day.items()} for pid, by_day in pain.days.items()}
    return days, dict(pain.flare_days)


def test_a_check_in_and_walks_on_the_same_day_add_up():
    patient = PatientFactory()
    checkins(patient, {0: 6})
    walk(patient, DAY, pain_after=3)
    walk(patient, DAY, pain_after=2)

    days, flares = day_pain(patient)

    assert days == {patient.id: {DAY: (11, 3, 6)}}
    assert flares == {}


def test_a_walk_without_pain_after_counts_for_nothing():
    patient = PatientFactory()
    walk(patient, DAY, pain_after=4)
    walk(patient, DAY, pain_after=None)
    walk(patient, DAY - timedelta(days=1), pain_after=None)

    days, _ = day_pain(patient)

    assert days == {patient.id: {DAY: (4, 1, 4)}}


def test_a_check_in_alone_makes_the_day_and_its_flare_up():
    patient = PatientFactory()
    checkins(patient, {2: 7}, flare_up=True)

    days, flares = day_pain(patient)

    assert days == {patient.id: {DAY - timedelta(days=2): (7, 1, 7)}}
    assert flares == {patient.id: {DAY - timedelta(days=2)}}


def test_scores_and_flare_ups_outside_the_window_are_left_out():
    patient = PatientFactory()
    checkins(patient, {-1: 9, 14: 8}, flare_up=True)
    walk(patient, START - timedelta(days=1), pain_after=5)
    checkins(patient, {13: 2})

    days, flares = day_pain(patient)

    assert days == {patient.id: {START: (2, 1, 2)}}
    assert flares == {}


def test_a_utc_plus_14_walk_counts_on_its_local_day():
    patient = PatientFactory(timezone="Pacific/Kiritimati")
    # 08:00 on DAY in Kiritimati is still the day before in UTC.
    started = datetime.combine(DAY, time(8), tzinfo=ZoneInfo("Pacific/Kiritimati"))
    WalkLogFactory(patient=patient, started_at=started, pain_after=5)
    checkins(patient, {0: 3})

    days, _ = day_pain(patient)

    assert started.astimezone(ZoneInfo("UTC")).date() == DAY - timedelta(days=1)
    assert days == {patient.id: {DAY: (8, 2, 5)}}


def test_each_patient_gets_only_their_own_days():
    alice, bob = PatientFactory(), PatientFactory()
    walk(alice, DAY, pain_after=4)
    checkins(bob, {1: 6}, flare_up=True)

    days, flares = day_pain(alice, bob)

    assert days == {alice.id: {DAY: (4, 1, 4)}, bob.id: {DAY - timedelta(days=1): (6, 1, 6)}}
    assert flares == {bob.id: {DAY - timedelta(days=1)}}
