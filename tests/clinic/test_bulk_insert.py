from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from clinic.bulk import insert_columns
from patients.models import Alert
from programs.models import PainResponse, WalkLog
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_it_stores_the_given_values_and_the_fields_defaults():
    first, second = PatientFactory(), PatientFactory()
    before = timezone.now()

    insert_columns(
        Alert,
        {
            "patient_id": [first.id, second.id],
            "kind": [Alert.Kind.MISSED_SESSIONS, Alert.Kind.PAIN_RISING],
            "message": ["No walks for 4 days.", "Pain up 2 points."],
            "opened_at": [NOW, NOW],
        },
    )

    stored = Alert.objects.order_by("patient_id").values_list(
        "patient_id", "kind", "message", "severity", "status", "resolution", "opened_at"
    )
    assert list(stored) == [
        (first.id, "missed_sessions", "No walks for 4 days.", "warning", "open", "", NOW),
        (second.id, "pain_rising", "Pain up 2 points.", "warning", "open", "", NOW),
    ]
    assert not Alert.objects.filter(acknowledged_at__isnull=False).exists()
    assert Alert.objects.filter(updated_at__gte=before, updated_at__lte=timezone.now()).count() == 2


def test_it_accepts_a_foreign_key_by_field_name():
    patient = PatientFactory()

    insert_columns(
        PainResponse,
        {
            "patient": [patient.id],
            "first_day": [date(2026, 3, 1)],
            "mean_pain": [2.5],
            "baseline_pain": [6],
        },
    )

    response = PainResponse.objects.get()
    assert (response.patient, response.first_day) == (patient, date(2026, 3, 1))
    assert response.mean_pain == 2.5
    assert response.created_at is not None


def test_ignoring_conflicts_keeps_the_existing_row_and_adds_the_others():
    kept, added = PatientFactory(), PatientFactory()
    PainResponse.objects.create(
        patient=kept, first_day=date(2026, 3, 1), mean_pain=1.0, baseline_pain=6
    )

    insert_columns(
        PainResponse,
        {
            "patient_id": [kept.id, added.id],
            "first_day": [date(2026, 3, 1), date(2026, 3, 1)],
            "mean_pain": [4.0, 3.0],
            "baseline_pain": [6, 7],
        },
        ignore_conflicts=True,
    )

    assert dict(PainResponse.objects.values_list("patient_id", "mean_pain")) == {
        kept.id: 1.0,
        added.id: 3.0,
    }


def test_a_conflict_not_ignored_raises_and_stores_nothing():
    patient = PatientFactory()
    PainResponse.objects.create(
        patient=patient, first_day=date(2026, 3, 1), mean_pain=1.0, baseline_pain=6
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_columns(
            PainResponse,
            {
                "patient_id": [patient.id, patient.id],
                "first_day": [date(2026, 2, 28), date(2026, 3, 1)],
                "mean_pain": [4.0, 3.0],
                "baseline_pain": [6, 6],
            },
        )

    assert PainResponse.objects.count() == 1


def test_columns_of_different_lengths_are_refused():
    patient = PatientFactory()

    with pytest.raises(ValueError, match="different lengths"):
        insert_columns(
            PainResponse,
            {"patient_id": [patient.id], "first_day": [], "mean_pain": [1.0], "baseline_pain": [6]},
        )

    assert not PainResponse.objects.exists()


def test_an_unknown_field_is_refused_by_name():
    with pytest.raises(ValueError, match="no field colour"):
        insert_columns(PainResponse, {"colour": ["red"]})


def test_no_rows_make_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_columns(PainResponse, {"patient_id": [], "first_day": []})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not limit lengths")
def test_a_value_too_long_for_its_column_is_refused_not_cut():
    patient = PatientFactory()

    with pytest.raises(DataError), transaction.atomic():
        insert_columns(
            Alert,
            {
                "patient_id": [patient.id],
                "kind": ["k" * 21],
                "message": ["Too long a kind."],
                "opened_at": [NOW],
            },
        )

    assert not Alert.objects.exists()


def test_a_field_with_a_database_default_must_be_given():
    patient = PatientFactory()

    with pytest.raises(ValueError, match="Give external_id"):
        insert_columns(
            WalkLog,
            {
                "patient_id": [patient.id],
                "started_at": [NOW],
                "local_date": [NOW.date()],
                "duration_minutes": [20],
                "kind": [WalkLog.Kind.OUTDOOR],
            },
        )

    assert not WalkLog.objects.exists()
