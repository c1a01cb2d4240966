"""clinic.bulk.db_values: the plain values it sends as they are must be what each field's
get_db_prep_save() would have sent (compared as the array literal the statement gets)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, models

from clinic.bulk import db_values
from clinic.pgarray import array_param
from patients.models import Alert, Patient
from programs.models import PainResponse, WalkingProgram, WalkLog

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the plain values skip preparing on PostgreSQL"
)

CASES = [
    (PainResponse, "patient", [1, 2, None]),
    (PainResponse, "id", [10, 2**40]),
    (PainResponse, "first_day", [date(2026, 3, 1), None]),
    (PainResponse, "mean_pain", [2.5, 0.0, None]),
    (PainResponse, "mean_pain", [2, Decimal("2")]),  # not floats: prepared
    (PainResponse, "baseline_pain", [6, 0]),
    (PainResponse, "baseline_pain", [True, 3]),  # a bool is not an int here: prepared
    (PainResponse, "created_at", [datetime(2026, 3, 1, 9, tzinfo=UTC)]),
    (Alert, "kind", ["pain_rising", Alert.Kind.FLARE_UP]),
    (Alert, "message", ['Pain "up", {2} points\\', "", None]),
    (WalkLog, "local_date", [datetime(2026, 3, 1, 23, 30, tzinfo=UTC)]),  # not a date: prepared
    (WalkingProgram, "indoor_allowed", [True, False, None]),
    (WalkingProgram, "pre_flare_pain", [4.0, None]),
    (Patient, "baseline_pain", [7]),
]


# Each field class sent as is, unbound, with values of its own type and of another.
FIELD_CASES = [
    (models.AutoField(primary_key=True), [1, 2**31 - 1], [True]),
    (models.BigAutoField(primary_key=True), [2**40], [False]),
    (models.SmallAutoField(primary_key=True), [7], [True]),
    (models.IntegerField(), [-3, 0], [True, 2]),
    (models.BigIntegerField(), [2**40], [False]),
    (models.SmallIntegerField(), [-1], [True]),
    (models.PositiveIntegerField(), [5], [True]),
    (models.PositiveBigIntegerField(), [2**40], [True]),
    (models.PositiveSmallIntegerField(), [6], [False]),
    (models.FloatField(), [2.5, -0.0], [2, Decimal("2")]),
    (models.CharField(max_length=20), ['a "b" {c}', ""], [Alert.Kind.FLARE_UP]),
    (models.TextField(), ["line\nbreak"], [Alert.Severity.URGENT]),
    (models.DateField(), [date(2026, 3, 1)], [datetime(2026, 3, 1, 23, 30, tzinfo=UTC)]),
    (models.BooleanField(), [True, False], [1, 0]),
]


@pytest.mark.parametrize(("field", "plain", "other"), FIELD_CASES)
def test_each_field_class_sends_what_it_would_prepare(field, plain, other):
    for values in ([*plain, None], other):
        prepared = [field.get_db_prep_save(value, connection) for value in values]

        assert array_param(db_values(field, values, connection)) == array_param(prepared)


@pytest.mark.parametrize(("model", "name", "values"), CASES)
def test_the_values_sent_are_those_the_field_would_prepare(model, name, values):
    field = model._meta.get_field(name)

    sent = db_values(field, values, connection)

    prepared = [field.get_db_prep_save(value, connection) for value in values]
    assert array_param(sent) == array_param(prepared)


def test_a_list_of_plain_values_is_sent_without_preparing_each(monkeypatch):
    field = PainResponse._meta.get_field("mean_pain")

    def prepare(value, connection):
        raise AssertionError("prepared")

    monkeypatch.setattr(field, "get_db_prep_save", prepare)

    assert db_values(field, [1.5, None, 2.25], connection) == [1.5, None, 2.25]
