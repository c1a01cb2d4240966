from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programs.models import DailySteps, WalkLog
from tests.api.conftest import client_for
from tests.factories import PatientFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent.parent / "programs" / "data"


def upload(name: str, fmt: str) -> dict:
    return {"file": SimpleUploadedFile(name, (DATA / name).read_bytes()), "format": fmt}


def post_import(client, data, url="/api/v1/me/steps/import/"):
    return client.post(url, data, format="multipart")


def test_it_imports_an_apple_health_export_and_reports_what_changed():
    patient = WalkingProgramFactory().patient
    client = client_for(patient.user)

    r = post_import(client, upload("apple_health_export.xml", "apple_health"))

    assert r.status_code == 201, r.content
    assert r.json() == {
        "days_created": 2,
        "days_updated": 0,
        "walks_created": 2,
        "skipped_duplicates": 0,
        "skipped_out_of_range": 0,
    }
    assert WalkLog.objects.filter(patient=patient).count() == 2


def test_it_answers_200_when_the_same_file_comes_again():
    patient = PatientFactory()
    client = client_for(patient.user)
    post_import(client, upload("fitbit_steps.json", "fitbit_json"))

    r = post_import(client, upload("fitbit_steps.json", "fitbit_json"))

    assert r.status_code == 200
    assert r.json()["skipped_duplicates"] == 2
    assert DailySteps.objects.filter(patient=patient).count() == 2


def test_it_rejects_a_malformed_file_naming_the_line_and_saves_nothing():
    patient = PatientFactory()

    r = post_import(client_for(patient.user), upload("steps_bad_date.csv", "csv"))

    assert r.status_code == 400
    assert r.json()["file"] == ["Line 3: date '2026-13-40' is not like 2026-11-20."]
    assert not DailySteps.objects.filter(patient=patient).exists()


def test_it_rejects_an_unknown_format_naming_the_field():
    data = upload("steps.csv", "gpx")

    r = post_import(client_for(PatientFactory().user), data)

    assert r.status_code == 400
    assert list(r.json()) == ["format"]


def test_it_rejects_a_missing_file_naming_the_field():
    r = post_import(client_for(PatientFactory().user), {"format": "csv"})

    assert r.status_code == 400
    assert list(r.json()) == ["file"]


def test_it_rejects_a_file_over_the_size_limit(settings):
    settings.WALKRX_IMPORT_MAX_MB = 0

    r = post_import(client_for(PatientFactory().user), upload("steps.csv", "csv"))

    assert r.status_code == 400
    assert r.json()["file"] == ["The file is larger than 0 MB."]


def test_it_lists_the_largest_source_per_day():
    patient = PatientFactory()
    day = date(2026, 11, 20)
    DailySteps.objects.create(patient=patient, date=day, steps=7100, source="csv")
    DailySteps.objects.create(patient=patient, date=day, steps=8123, source="fitbit")

    r = client_for(patient.user).get("/api/v1/me/steps/?from=2026-11-19&to=2026-11-21")

    assert r.status_code == 200
    assert r.json() == [
        {"date": "2026-11-20", "steps": 8123, "sources": {"csv": 7100, "fitbit": 8123}}
    ]


def test_it_rejects_a_range_that_ends_before_it_starts():
    r = client_for(PatientFactory().user).get("/api/v1/me/steps/?from=2026-11-21&to=2026-11-19")

    assert r.status_code == 400
    assert list(r.json()) == ["to"]


def test_a_therapist_imports_for_their_patient():
    patient = PatientFactory()
    client = client_for(patient.therapist.user)
    yesterday = timezone.localdate() - timedelta(days=1)
    data = {"file": SimpleUploadedFile("s.csv", f"date,steps\n{yesterday},99\n".encode())}

    r = post_import(
        client, {**data, "format": "csv"}, f"/api/v1/patients/{patient.id}/steps/import/"
    )

    assert r.status_code == 201
    assert DailySteps.objects.get(patient=patient).steps == 99


@pytest.mark.parametrize("rows", [1, 50])
def test_my_steps_query_count(rows, django_assert_num_queries):
    patient = PatientFactory()
    DailySteps.objects.bulk_create(
        DailySteps(patient=patient, date=date(2026, 11, 20) - timedelta(days=i), steps=i, source=s)
        for i in range(rows)
        for s in ("csv", "fitbit")
    )
    client = client_for(get_user_model().objects.get(pk=patient.user_id))

    # 1. savepoint  2. patient record  3. step rows  4. release
    with django_assert_num_queries(4):
        r = client.get("/api/v1/me/steps/?from=2026-01-01&to=2026-11-30")

    assert len(r.json()) == rows
