"""The report's figures against hand-computed expectations for a small clinic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from clinic.report_queries import caseload_weeks
from clinic.services import weekly_report_data
from patients.models import Patient
from programs.selectors import program_adherence
from tests.clinic.report_clinic import LONG_AGO, MONDAY, program_of, small_clinic
from tests.factories import TherapistFactory, WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)
# The program, walk, check-in and target figures (clinic.report_queries._chunk_weeks).
FIGURES_QUERIES = 1 if connection.vendor == "postgresql" else 4


@pytest.fixture
def clinic():
    return small_clinic()


@pytest.fixture
def rows(clinic):
    data = weekly_report_data(therapist=clinic.therapist, week_start=MONDAY, now=NOW)
    return {row["name"].split()[0]: row for row in data["patients"]}


def test_it_lists_the_therapists_current_patients_only(rows):
    assert set(rows) == {"Ada", "Ben", "Cleo", "Dev"}


def test_it_caps_each_days_sessions_and_follows_a_mid_week_progression(rows):
    ada = rows["Ada"]

    # Mon 2, Tue 3 (capped at 2), Wed 1, Fri 2, Sun 1 (indoor marching is allowed).
    assert (ada["sessions_done"], ada["sessions_prescribed"]) == (8, 14.0)
    assert ada["adherence_percent"] == 57
    # 2 x 10 min Mon-Wed, then 2 x 12 min from Thursday: 60 + 96.
    assert (ada["minutes_walked"], ada["minutes_prescribed"]) == (96, 156)
    assert (ada["active_days"], ada["walks"], ada["brisk_percent"]) == (5, 9, 89)
    assert ada["program_change"] == "Progressed"


def test_it_flags_a_pain_change_of_the_mcid(rows):
    ada = rows["Ada"]

    # Start (Mon-Wed): six walks at 5 and a check-in of 6 = 36 / 7.
    # End (Fri-Sun): three walks at 3 and a check-in of 2 = 11 / 4.
    assert (ada["pain_start"], ada["pain_end"], ada["pain_change"]) == (5.14, 2.75, -2.39)
    assert ada["pain_flag"] == "better"
    assert ada["pain_improved"] is True  # 2.75 <= 6 x 0.7


def test_it_counts_alerts_opened_in_the_week_and_still_open(rows):
    assert (rows["Ada"]["alerts_opened"], rows["Ada"]["alerts_open"]) == (2, 1)
    assert (rows["Dev"]["alerts_opened"], rows["Dev"]["alerts_open"]) == (0, 1)


def test_it_prescribes_a_mid_week_joiner_only_from_the_program_start(rows):
    ben = rows["Ben"]

    # Thursday to Sunday at 2 sessions x 5/7 days = 5.714 sessions; Tuesday's walk
    # came before the program so it counts as walked but not as adherence.
    assert (ben["sessions_done"], ben["sessions_prescribed"]) == (5, 5.7)
    assert ben["adherence_percent"] == 87
    assert (ben["minutes_walked"], ben["minutes_prescribed"]) == (60, 57)
    assert ben["program_change"] == "Prescribed"
    assert ben["attention"] == []


def test_it_shows_a_patient_without_a_program(rows):
    cleo = rows["Cleo"]

    assert cleo["adherence_percent"] is None
    assert (cleo["walks"], cleo["minutes_walked"]) == (1, 20)
    assert cleo["attention"] == ["No program this week"]


def test_it_counts_a_walk_on_the_patients_own_local_day(rows):
    dev = rows["Dev"]

    # New York: Monday 03:00 UTC is last Sunday; the next Monday 02:00 UTC is this Sunday.
    assert (dev["sessions_done"], dev["sessions_prescribed"]) == (6, 7.0)
    assert dev["adherence_percent"] == 86
    assert dev["flare_ups"] == 1


def test_it_sorts_the_patients_needing_attention_first(clinic):
    data = weekly_report_data(therapist=clinic.therapist, week_start=MONDAY, now=NOW)

    names = [row["name"].split()[0] for row in data["patients"]]

    assert names == ["Dev", "Ada", "Cleo", "Ben"]
    assert data["patients"][0]["attention"][0] == "Urgent alert open"


def test_it_summarises_the_caseload(clinic):
    data = weekly_report_data(therapist=clinic.therapist, week_start=MONDAY, now=NOW)

    assert data["summary"] == {
        "patients": 4,
        "patients_active": 3,  # Cleo has no program
        "median_adherence": 85.7,  # of 57.1%, 87.5%, 85.7%
        "adherent_percent": 67,  # Ben and Dev
        "improved_percent": 67,  # Ada (2.75 vs 6) and Dev (3 vs 5) of Ada, Ben, Dev
        "open_alerts": 2,
    }


def test_it_tracks_the_caseloads_adherence_over_eight_weeks(clinic):
    data = weekly_report_data(therapist=clinic.therapist, week_start=MONDAY, now=NOW)

    trend = data["trend"]

    assert [p["week_start"] for p in (trend[0], trend[-1])] == ["2026-09-28", "2026-11-16"]
    # W45: Ada and Dev prescribed, no walks; W46: Dev walked once (14%), Ada not;
    # W47: the median of 57%, 87% and 86%.
    assert [p["percent"] for p in trend] == [None, None, None, None, None, 0, 7.0, 86]


@pytest.mark.parametrize("name", ["ada", "ben", "dev"])
def test_it_agrees_with_program_adherence(clinic, name):
    patient = getattr(clinic, name)
    for offset in (0, -7, -14):
        monday = MONDAY + timedelta(days=offset)

        (week,) = caseload_weeks(
            patients=Patient.objects.filter(id=patient.id),
            week_start=monday,
            clinic_timezone="Europe/London",
        )

        expected = program_adherence(
            program=program_of(patient), start=monday, end=monday + timedelta(days=6)
        )
        assert week.adherence == expected


def _caseload(size: int):
    therapist = TherapistFactory()
    for _ in range(size):
        program = WalkingProgramFactory(patient__therapist=therapist, start_date=MONDAY)
        WalkLogFactory(patient=program.patient, started_at=datetime(2026, 11, 17, 9, tzinfo=UTC))
    Patient.objects.filter(therapist=therapist).update(created_at=LONG_AGO)
    return therapist


@pytest.mark.parametrize("size", [1, 10])
def test_it_runs_the_same_queries_for_1_or_10_patients(django_assert_num_queries, size):
    therapist = _caseload(size)

    # 1 patients (one chunk), 2 alerts, 3 latest ODI/RMDQ responses, 4 imported steps per
    # day, then the program, walk, check-in and target figures: one statement on
    # PostgreSQL, else 5 programs, 6 target changes, 7 walks per day and kind, 8 check-ins.
    with django_assert_num_queries(4 + FIGURES_QUERIES):
        data = weekly_report_data(therapist=therapist, week_start=MONDAY, now=NOW)

    assert data["summary"]["patients"] == size


def test_it_reads_patients_in_chunks(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr("clinic.report_queries.CHUNK_SIZE", 2)
    therapist = _caseload(3)

    # Two chunks of five (PostgreSQL) or eight queries each: memory holds one chunk's rows
    # at a time.
    with django_assert_num_queries(2 * (4 + FIGURES_QUERIES)):
        data = weekly_report_data(therapist=therapist, week_start=MONDAY, now=NOW)

    assert data["summary"]["patients"] == 3


def test_it_adds_the_weeks_imported_steps_never_summing_sources():
    from programs.models import DailySteps

    therapist = _caseload(1)
    patient = Patient.objects.get(therapist=therapist)
    for day, source, steps in [(17, "csv", 4000), (17, "fitbit", 4500), (18, "csv", 300)]:
        DailySteps.objects.create(
            patient=patient, date=date(2026, 11, day), source=source, steps=steps
        )
    DailySteps.objects.create(
        patient=patient, date=MONDAY - timedelta(days=1), source="csv", steps=9
    )

    data = weekly_report_data(therapist=therapist, week_start=MONDAY, now=NOW)

    assert data["patients"][0]["steps"] == 4800
