from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from patients.selectors import pain_scores_between
from programs.models import DailySteps, WalkLog
from programs.services import steps_import
from tests.factories import PatientFactory, WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def run(patient, fmt: str, name: str, now: datetime = NOW):
    with open(DATA / name, "rb") as f:
        return steps_import(patient=patient, fmt=fmt, fileobj=f, now=now)


def stored(patient) -> dict[str, int]:
    return {r.date.isoformat(): r.steps for r in DailySteps.objects.filter(patient=patient)}


def test_steps_import_saves_apple_health_days_and_walks():
    program = WalkingProgramFactory()
    patient = program.patient

    result = run(patient, "apple_health", "apple_health_export.xml")

    assert (result.days_created, result.walks_created) == (2, 2)
    assert stored(patient) == {"2026-11-20": 2400, "2026-11-21": 3000}
    walk = WalkLog.objects.get(patient=patient, local_date=date(2026, 11, 20))
    assert (walk.duration_minutes, walk.distance_m, walk.program) == (32, 2400, program)
    assert (walk.pain_before, walk.pain_after) == (None, None)


def test_steps_import_twice_changes_nothing():
    patient = PatientFactory()
    run(patient, "apple_health", "apple_health_export.xml")
    before = list(DailySteps.objects.values_list("id", "steps", "updated_at"))

    result = run(patient, "apple_health", "apple_health_export.xml")

    assert (result.days_created, result.days_updated, result.walks_created) == (0, 0, 0)
    assert result.skipped_duplicates == 4  # 2 days + 2 walks
    assert list(DailySteps.objects.values_list("id", "steps", "updated_at")) == before
    assert WalkLog.objects.filter(patient=patient).count() == 2


def test_steps_import_updates_a_day_the_newer_file_counts_differently():
    patient = PatientFactory()
    run(patient, "csv", "steps.csv")
    newer = b"date,steps\n2026-11-20,9000\n"

    result = steps_import(patient=patient, fmt="csv", fileobj=io.BytesIO(newer), now=NOW)

    assert (result.days_created, result.days_updated) == (0, 1)
    assert stored(patient)["2026-11-20"] == 9000


def test_steps_import_keeps_each_source_apart():
    patient = PatientFactory()

    run(patient, "csv", "steps.csv")
    run(patient, "fitbit_csv", "fitbit_activities.csv")

    rows = DailySteps.objects.filter(patient=patient, date=date(2026, 11, 20))
    assert sorted(rows.values_list("source", "steps")) == [("csv", 7100), ("fitbit", 8123)]


def test_steps_import_rejects_a_malformed_file_and_saves_nothing():
    patient = PatientFactory()

    with pytest.raises(ValidationError) as exc:
        run(patient, "csv", "steps_negative.csv")

    assert exc.value.message_dict == {"file": ["Line 3: steps cannot be negative (-7100)."]}
    assert not DailySteps.objects.filter(patient=patient).exists()
    assert not WalkLog.objects.filter(patient=patient).exists()


def test_steps_import_rejects_broken_xml_after_valid_records_and_saves_nothing():
    patient = PatientFactory()

    with pytest.raises(ValidationError, match="Line 5, column 1"):
        run(patient, "apple_health", "apple_health_broken.xml")

    assert not DailySteps.objects.filter(patient=patient).exists()


def test_steps_import_rejects_an_unknown_format_naming_the_field():
    with pytest.raises(ValidationError) as exc:
        steps_import(patient=PatientFactory(), fmt="gpx", fileobj=io.BytesIO(b""), now=NOW)

    assert list(exc.value.message_dict) == ["format"]


def test_steps_import_skips_future_and_too_old_days():
    patient = PatientFactory()
    data = b"date,steps,minutes\n2024-11-01,100,10\n2026-11-25,200,\n2026-11-26,300,20\n"

    result = steps_import(patient=patient, fmt="csv", fileobj=io.BytesIO(data), now=NOW)

    assert result.skipped_out_of_range == 4  # 2 days and 2 walks outside the window
    assert stored(patient) == {"2026-11-25": 200}
    assert not WalkLog.objects.filter(patient=patient).exists()


def test_steps_import_accepts_walks_older_than_the_manual_backdating_window():
    patient = PatientFactory()
    # steps.csv's walk is on 20 Nov; "now" is 40 days later, well past 14 days.
    result = run(patient, "csv", "steps.csv", now=datetime(2026, 12, 30, 12, tzinfo=UTC))

    assert result.walks_created == 1


def test_imported_walks_leave_the_pain_scores_alone():
    patient = PatientFactory()
    run(patient, "apple_health", "apple_health_export.xml")
    WalkLogFactory(patient=patient, started_at=datetime(2026, 11, 20, 17, tzinfo=UTC), pain_after=4)

    scores = pain_scores_between(patient=patient, start=date(2026, 11, 20), end=date(2026, 11, 21))

    assert scores == [4]


def test_steps_import_reads_fhir_and_fitbit_json():
    patient = PatientFactory()

    run(patient, "fhir", "fhir_steps_bundle.json")
    run(patient, "fitbit_json", "fitbit_steps.json")

    assert sorted(DailySteps.objects.filter(patient=patient).values_list("source", "steps")) == [
        ("fhir", 4000),
        ("fhir", 6100),
        ("fitbit", 45),
        ("fitbit", 200),
    ]


def test_imported_walks_leave_the_caseload_pain_mean_alone():
    from patients.models import Patient
    from programs.caseload import patients_with_caseload_stats

    patient = PatientFactory()
    day = datetime(2026, 11, 24, 9, tzinfo=UTC)
    WalkLogFactory(patient=patient, started_at=day, pain_after=4)
    data = b"date,steps,minutes\n2026-11-24,5000,30\n"
    steps_import(patient=patient, fmt="csv", fileobj=io.BytesIO(data), now=NOW)

    row = patients_with_caseload_stats(Patient.objects.filter(pk=patient.pk), now=NOW).get()

    assert WalkLog.objects.filter(patient=patient).count() == 2
    assert row.pain_mean == 4.0
