from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Alert, Patient
from tests.factories import (
    AlertFactory,
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
LIST = reverse("admin:patients_patient_changelist")


def _busy_patient(therapist) -> Patient:
    """A patient with a program, walks, check-ins and an open alert."""
    program = WalkingProgramFactory(
        patient=PatientFactory(therapist=therapist), start_date=TODAY - timedelta(days=30)
    )
    patient = program.patient
    for days_ago in (0, 1, 2):
        WalkLogFactory(patient=patient, started_at=NOW - timedelta(days=days_ago, hours=1))
    PainCheckInFactory(patient=patient, date=TODAY, score=5)
    PainCheckInFactory(patient=patient, date=TODAY - timedelta(days=9), score=3)
    AlertFactory(patient=patient)
    return patient


def _rows(response) -> dict[int, Patient]:
    return {p.pk: p for p in response.context["cl"].result_list}


def _cell(response, patient: Patient, column: str):
    model_admin = response.context["cl"].model_admin
    return getattr(model_admin, column)(_rows(response)[patient.pk])


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_caseload_columns(client):
    program = WalkingProgramFactory(
        start_date=TODAY - timedelta(days=30), sessions_per_day=2, minutes_per_session=12
    )
    patient = program.patient
    for days_ago in (0, 0, 0, 1, 3):  # 3 walks today count as 2
        WalkLogFactory(
            patient=patient, started_at=NOW - timedelta(days=days_ago, hours=1), pain_after=4
        )
    PainCheckInFactory(patient=patient, date=TODAY - timedelta(days=8), score=2)
    AlertFactory(patient=patient, kind=Alert.Kind.PAIN_RISING)
    client.force_login(patient.therapist.user)

    response = client.get(LIST)

    assert _cell(response, patient, "current_target") == "2 x 12 min"
    assert _cell(response, patient, "adherence_7d") == "29%"  # 4 of 14 sessions
    assert _cell(response, patient, "last_walk_on") == TODAY
    assert _cell(response, patient, "pain_7d") == "4.0"
    assert _cell(response, patient, "pain_change_7d") == "+2.0"
    assert _cell(response, patient, "open_alerts_count") == 1
    assert "2 x 12 min" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_it_shows_dashes_for_a_patient_without_program_or_data(client):
    patient = PatientFactory()
    client.force_login(patient.therapist.user)

    response = client.get(LIST)

    assert _cell(response, patient, "current_target") == "-"
    assert _cell(response, patient, "adherence_7d") == "-"
    assert _cell(response, patient, "pain_7d") == "-"
    assert _cell(response, patient, "open_alerts_count") == 0


def _count_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries)


@time_machine.travel(NOW, tick=False)
def test_the_query_count_does_not_grow_with_the_number_of_patients(client):
    therapist = TherapistFactory()
    _busy_patient(therapist)
    client.force_login(therapist.user)
    client.get(LIST)  # warm the content-type cache
    one = _count_list_queries(client)

    for _ in range(9):
        _busy_patient(TherapistFactory(clinic=therapist.clinic))
    ten = _count_list_queries(client)

    assert len(client.get(LIST).context["cl"].result_list) == 10
    assert ten == one


@time_machine.travel(NOW, tick=False)
def test_the_list_takes_a_fixed_number_of_queries(client, django_assert_num_queries):
    therapist = TherapistFactory()
    for _ in range(3):
        _busy_patient(therapist)
    client.force_login(therapist.user)
    client.get(LIST)  # warm the content-type cache

    # * savepoint and release (ATOMIC_REQUESTS)
    # * session, user, the user's and the group's permissions
    # * the user's Therapist row (cached on the user for the request)
    # * the therapist filter's choices
    # * count of the filtered list, count of the whole visible list
    # * the page of patients
    # * the page's columns: current programs, their target changes in force, walks and
    #   check-ins per day, last walk day, open alerts (caseload_stats_for_page)
    # * the audit event (one "list" INSERT)
    with django_assert_num_queries(18):
        client.get(LIST)


@time_machine.travel(NOW, tick=False)
def test_it_filters_by_open_alert_kind(client):
    therapist = TherapistFactory()
    rising = AlertFactory(patient=PatientFactory(therapist=therapist), kind="pain_rising").patient
    AlertFactory(patient=PatientFactory(therapist=therapist), kind="low_adherence")
    AlertFactory(
        patient=PatientFactory(therapist=therapist), kind="pain_rising", status="acknowledged"
    )
    client.force_login(therapist.user)

    response = client.get(LIST, {"open_alert": "pain_rising"})

    assert set(_rows(response)) == {rising.pk}


@time_machine.travel(NOW, tick=False)
def test_it_filters_by_therapist_and_status(client):
    therapist = TherapistFactory()
    colleague = TherapistFactory(clinic=therapist.clinic)
    PatientFactory(therapist=therapist)
    theirs = PatientFactory(therapist=colleague)
    PatientFactory(therapist=colleague, status=Patient.Status.DISCHARGED)
    client.force_login(therapist.user)

    response = client.get(LIST, {"therapist": colleague.pk, "status__exact": "active"})

    assert set(_rows(response)) == {theirs.pk}


@time_machine.travel(NOW, tick=False)
def test_the_therapist_filter_lists_only_colleagues(client):
    therapist = TherapistFactory()
    TherapistFactory()  # another clinic
    client.force_login(therapist.user)

    response = client.get(LIST)

    spec = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "therapist")
    assert [value for value, _ in spec.lookup_choices] == [str(therapist.pk)]


@time_machine.travel(NOW, tick=False)
def test_it_searches_by_email(client):
    therapist = TherapistFactory()
    wanted = PatientFactory(therapist=therapist, user__email="robin.walker@example.org")
    PatientFactory(therapist=therapist)
    client.force_login(therapist.user)

    response = client.get(LIST, {"q": "robin.walker"})

    assert set(_rows(response)) == {wanted.pk}


@time_machine.travel(NOW, tick=False)
def test_it_sorts_by_adherence(client):
    therapist = TherapistFactory()
    low = WalkingProgramFactory(
        patient=PatientFactory(therapist=therapist), start_date=TODAY - timedelta(days=30)
    ).patient
    high = _busy_patient(therapist)
    client.force_login(therapist.user)
    column = client.get(LIST).context["cl"].list_display.index("adherence_7d")

    response = client.get(LIST, {"o": f"-{column}"})

    assert [p.pk for p in response.context["cl"].result_list] == [high.pk, low.pk]


@time_machine.travel(NOW, tick=False)
def test_a_list_sorted_by_a_caseload_column_shows_the_same_columns(client):
    patient = _busy_patient(TherapistFactory())
    client.force_login(patient.therapist.user)
    unsorted = client.get(LIST)
    column = unsorted.context["cl"].list_display.index("pain_7d")

    response = client.get(LIST, {"o": f"-{column}"})

    for cell in ("adherence_7d", "pain_7d", "last_walk_on", "open_alerts_count"):
        assert _cell(response, patient, cell) == _cell(unsorted, patient, cell)
    assert _cell(response, patient, "pain_7d") != "-"
