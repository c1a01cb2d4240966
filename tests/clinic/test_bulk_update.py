from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from clinic.bulk import update_columns
from patients.models import Alert
from tests.factories import AlertFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_each_row_gets_its_own_values_and_every_row_the_constants():
    first, second, untouched = AlertFactory(), AlertFactory(), AlertFactory(message="as is")

    updated = update_columns(
        Alert,
        {"id": [second.id, first.id], "message": ["two", "one"], "severity": ["urgent", "info"]},
        constants={"updated_at": NOW},
    )

    assert updated == 2
    rows = Alert.objects.order_by("id").values_list("id", "message", "severity", "updated_at")
    assert list(rows) == [
        (first.id, "one", "info", NOW),
        (second.id, "two", "urgent", NOW),
        (untouched.id, "as is", untouched.severity, untouched.updated_at),
    ]


def test_a_row_whose_field_holds_none_of_the_allowed_values_is_left_alone():
    still_open = AlertFactory(status=Alert.Status.OPEN)
    resolved = AlertFactory(status=Alert.Status.RESOLVED, resolution="by the therapist")

    updated = update_columns(
        Alert,
        {"id": [still_open.id, resolved.id], "resolution": ["by the watch", "by the watch"]},
        constants={"status": Alert.Status.RESOLVED},
        only_where_in={"status": [Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED]},
    )

    assert updated == 1
    assert dict(Alert.objects.values_list("id", "resolution")) == {
        still_open.id: "by the watch",
        resolved.id: "by the therapist",
    }


@pytest.mark.skipif(connection.vendor == "postgresql", reason="one statement there")
def test_off_postgresql_the_rows_go_in_batches_within_the_parameter_limit(
    monkeypatch, django_assert_num_queries
):
    # Seven parameters: a row costs three (its key, and its CASE's key and value).
    monkeypatch.setattr(connection.features, "max_query_params", 7)
    alerts = [AlertFactory() for _ in range(5)]

    with django_assert_num_queries(3):
        updated = update_columns(
            Alert, {"id": [a.id for a in alerts], "message": [f"m{i}" for i in range(5)]}
        )

    assert updated == 5
    assert sorted(Alert.objects.values_list("message", flat=True)) == [f"m{i}" for i in range(5)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's one statement")
def test_on_postgresql_the_rows_go_in_one_statement(django_assert_num_queries):
    alerts = [AlertFactory() for _ in range(5)]

    with django_assert_num_queries(1):
        updated = update_columns(
            Alert, {"id": [a.id for a in alerts], "message": [f"m{i}" for i in range(5)]}
        )

    assert updated == 5


def test_no_rows_make_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert update_columns(Alert, {"id": [], "message": []}) == 0


def test_columns_of_different_lengths_are_refused():
    alert = AlertFactory()

    with pytest.raises(ValueError, match="different lengths"):
        update_columns(Alert, {"id": [alert.id], "message": ["a", "b"]})


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"message": ["a"]}, "Give the rows' keys as 'id'"),
        ({"id": [1, 1], "message": ["a", "b"]}, "key given twice"),
        ({"id": [1]}, "Nothing to set"),
    ],
)
def test_input_it_cannot_apply_as_meant_is_refused(columns, message):
    with pytest.raises(ValueError, match=message):
        update_columns(Alert, columns)
