from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from clinic.bulk import prepared_as_is
from patients.models import Alert, Patient
from programs.models import WalkLog
from tests.clinic.test_bulk_values import FIELD_CASES
from tests.factories import AlertFactory, PatientFactory, WalkLogFactory

pytestmark = pytest.mark.django_db


def test_it_matches_the_same_rows_as_in():
    patients = PatientFactory.create_batch(4)
    wanted = [patients[0].id, patients[2].id]

    matched = Patient.objects.filter(id__any=wanted).values_list("id", flat=True)

    assert sorted(matched) == wanted


def test_it_filters_a_foreign_key_by_id():
    first, second = PatientFactory(), PatientFactory()
    walk = WalkLogFactory(patient=first)
    WalkLogFactory(patient=second)

    assert list(WalkLog.objects.filter(patient_id__any={first.id})) == [walk]
    assert list(WalkLog.objects.filter(patient__any=[first.id])) == [walk]


def test_it_casts_the_values_to_the_fields_type():
    patient = PatientFactory()
    on_day = WalkLogFactory(patient=patient, local_date=date(2026, 3, 2))
    WalkLogFactory(patient=patient, local_date=date(2026, 3, 3))
    flare = AlertFactory(patient=patient, kind=Alert.Kind.FLARE_UP)
    AlertFactory(patient=patient, kind=Alert.Kind.PAIN_RISING)

    assert list(WalkLog.objects.filter(local_date__any=["2026-03-02"])) == [on_day]
    assert list(Alert.objects.filter(kind__any=[Alert.Kind.FLARE_UP])) == [flare]
    assert list(Patient.objects.filter(id__any=[str(patient.id)])) == [patient]


def test_an_empty_list_or_only_none_matches_nothing_without_a_query():
    PatientFactory()

    with CaptureQueriesContext(connection) as queries:
        assert list(Patient.objects.filter(id__any=[])) == []
        assert list(Patient.objects.filter(id__any=[None])) == []

    assert len(queries) == 0


def test_none_among_values_is_ignored():
    patient = PatientFactory()

    assert list(Patient.objects.filter(id__any=[None, patient.id])) == [patient]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_on_postgresql_the_values_are_one_array_parameter():
    ids = [p.id for p in PatientFactory.create_batch(3)]

    with CaptureQueriesContext(connection) as queries:
        list(Patient.objects.filter(id__any=ids).order_by())

    sql = queries[0]["sql"]
    array = "{" + ",".join(map(str, ids)) + "}"
    assert f"= ANY(ARRAY(SELECT unnest('{array}'::bigint[])))" in sql


def test_a_longer_value_does_not_match_a_stored_prefix():
    stored = "A" * 64  # Patient.timezone's max_length
    PatientFactory(timezone=stored)

    assert not Patient.objects.filter(timezone__any=[stored + "B"]).exists()
    assert Patient.objects.filter(timezone__any=[stored]).exists()


def test_plain_ids_are_not_prepared_one_by_one(monkeypatch):
    patient = PatientFactory()
    walk = WalkLogFactory(patient=patient)

    def prepare_one(self, value):
        raise AssertionError(f"{value!r} prepared on its own")

    def prepare_one_for_the_database(self, value, connection, prepared=False):
        raise AssertionError(f"{value!r} prepared on its own for the database")

    monkeypatch.setattr(models.IntegerField, "get_prep_value", prepare_one)
    if connection.vendor == "postgresql":  # elsewhere __in prepares them for the database
        monkeypatch.setattr(models.Field, "get_db_prep_value", prepare_one_for_the_database)

    assert list(Patient.objects.filter(id__any=[patient.id])) == [patient]
    assert list(WalkLog.objects.filter(patient_id__any=[patient.id])) == [walk]


def test_a_value_of_another_type_is_still_prepared():
    patient = PatientFactory()

    assert list(Patient.objects.filter(id__any=[patient.id, str(patient.id)])) == [patient]
    assert list(Patient.objects.filter(id__any=(v for v in [patient.id]))) == [patient]


@pytest.mark.parametrize(("field", "plain", "other"), FIELD_CASES)
def test_the_values_it_leaves_unprepared_are_those_the_field_would_prepare(field, plain, other):
    assert prepared_as_is(field, plain)
    assert not prepared_as_is(field, other)
    for value in plain:
        prepared = field.get_prep_value(value)

        assert (type(prepared), prepared) == (type(value), value)
