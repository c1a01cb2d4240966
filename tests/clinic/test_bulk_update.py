from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clinic import bulk
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


def test_rows_beyond_one_batch_are_all_updated(monkeypatch):
    monkeypatch.setattr(bulk, "_UPDATE_BATCH", 2)
    alerts = [AlertFactory() for _ in range(5)]

    updated = update_columns(
        Alert, {"id": [a.id for a in alerts], "message": [f"m{i}" for i in range(5)]}
    )

    assert updated == 5
    assert sorted(Alert.objects.values_list("message", flat=True)) == [f"m{i}" for i in range(5)]


def test_no_rows_make_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert update_columns(Alert, {"id": [], "message": []}) == 0


def test_columns_of_different_lengths_are_refused():
    alert = AlertFactory()

    with pytest.raises(ValueError, match="different lengths"):
        update_columns(Alert, {"id": [alert.id], "message": ["a", "b"]})
