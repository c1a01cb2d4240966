"""The weekly report carries each patient's latest ODI/RMDQ change from baseline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clinic.services import weekly_report_data
from patients.services import questionnaire_response_record
from tests.clinic.report_clinic import MONDAY, small_clinic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)


def odi_all(value):
    return {f"section_{n}": value for n in range(1, 11)}


def rows_for(clinic):
    data = weekly_report_data(therapist=clinic.therapist, week_start=MONDAY, now=NOW)
    return {row["name"].split()[0]: row for row in data["patients"]}


def test_it_reports_the_latest_odi_change_and_mcid():
    clinic = small_clinic()
    for when, value in ((datetime(2026, 10, 20, 12, tzinfo=UTC), 3), (NOW.replace(day=18), 2)):
        questionnaire_response_record(
            patient=clinic.ada, measure="odi", answers=odi_all(value), now=when
        )

    rows = rows_for(clinic)

    assert rows["Ada"]["outcomes"] == [
        {
            "measure": "odi",
            "answered_on": "2026-11-18",
            "score": 40.0,
            "change": -20.0,
            "improved": True,
            "crossed_mcid": True,
        }
    ]
    assert rows["Ben"]["outcomes"] == []


def test_it_ignores_responses_after_the_report_week():
    clinic = small_clinic()
    questionnaire_response_record(
        patient=clinic.ada,
        measure="rmdq",
        answers={f"item_{n}": True for n in range(1, 25)},
        now=datetime(2026, 11, 23, 12, tzinfo=UTC),
    )

    assert rows_for(clinic)["Ada"]["outcomes"] == []
