"""The portal in maintenance: the monthly recurrence check-in and booster prompts on Today."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from programs.models import BoosterPrompt, RecurrenceCheckIn
from programs.services import program_start_maintenance
from tests.factories import PatientFactory, WalkingProgramFactory
from tests.query_counts import TODAY_SUMMARY_QUERIES

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


@pytest.fixture(autouse=True)
def _midday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def program():
    patient = PatientFactory(onboarded_at=NOW, timezone="Europe/London")
    return WalkingProgramFactory(patient=patient, start_date=date(2026, 6, 1))


@pytest.fixture
def maintenance(program):
    return program_start_maintenance(program=program, day=date(2026, 10, 1))


@pytest.fixture
def portal(client, program):
    client.force_login(program.patient.user)
    return client


def recurrence_data(**overrides) -> dict:
    return {"idempotency_key": str(uuid.uuid4()), "had_episode": "no", **overrides}


def test_today_links_the_monthly_checkin_when_due(portal, maintenance):
    response = portal.get(reverse("portal:today"))

    assert 'data-testid="recurrence-due"' in response.content.decode()


def test_today_does_not_ask_before_maintenance(portal, program):
    response = portal.get(reverse("portal:today"))

    assert 'data-testid="recurrence-due"' not in response.content.decode()


def test_today_does_not_ask_once_answered_this_month(portal, maintenance):
    RecurrenceCheckIn.objects.create(
        patient=maintenance.patient, month=date(2026, 11, 1), had_episode=False
    )

    response = portal.get(reverse("portal:today"))

    assert 'data-testid="recurrence-due"' not in response.content.decode()


def test_the_recurrence_form_saves_an_episode(portal, maintenance):
    response = portal.post(
        reverse("portal:recurrence"),
        recurrence_data(had_episode="yes", episode_started_on="2026-11-03", sought_care="on"),
    )

    assert response.status_code == 302
    row = RecurrenceCheckIn.objects.get(patient=maintenance.patient)
    assert (row.month, row.episode_started_on, row.sought_care) == (
        date(2026, 11, 1),
        date(2026, 11, 3),
        True,
    )


def test_the_recurrence_form_shows_the_missing_date_next_to_its_field(portal, maintenance):
    response = portal.post(reverse("portal:recurrence"), recurrence_data(had_episode="yes"))

    assert response.status_code == 422
    assert response.context["form"].errors["episode_started_on"] == [
        "Say when the episode started."
    ]
    assert not RecurrenceCheckIn.objects.exists()


def test_the_recurrence_form_before_maintenance_says_why(portal, program):
    response = portal.post(reverse("portal:recurrence"), recurrence_data())

    assert response.status_code == 422
    assert "maintenance phase" in response.content.decode()


def test_today_shows_an_open_booster_and_dismissing_hides_it(portal, maintenance):
    prompt = BoosterPrompt.objects.create(
        patient=maintenance.patient, created_on=date(2026, 11, 24), reason="40 of 280 minutes."
    )

    shown = portal.get(reverse("portal:today")).content.decode()
    portal.post(reverse("portal:booster_dismiss", args=[prompt.pk]))
    after = portal.get(reverse("portal:today")).content.decode()

    assert "40 of 280 minutes." in shown
    assert 'data-testid="booster-prompt"' not in after
    prompt.refresh_from_db()
    assert prompt.dismissed_at is not None


def test_another_patients_booster_cannot_be_dismissed(portal, maintenance):
    other = WalkingProgramFactory().patient
    prompt = BoosterPrompt.objects.create(patient=other, created_on=date(2026, 11, 24), reason="x")

    response = portal.post(reverse("portal:booster_dismiss", args=[prompt.pk]))

    assert response.status_code == 404
    prompt.refresh_from_db()
    assert prompt.dismissed_at is None


def test_today_in_maintenance_reads_a_fixed_number_of_queries(
    portal, maintenance, django_assert_num_queries
):
    # Those of an active patient's Today (tests/portal/test_views.py), plus this month's
    # check-in and the open booster prompt.
    with django_assert_num_queries(11 + TODAY_SUMMARY_QUERIES):
        response = portal.get(reverse("portal:today"))

    assert response.status_code == 200


def test_today_says_the_program_is_in_maintenance(portal, maintenance):
    response = portal.get(reverse("portal:today"))

    assert "Maintenance: your active program is done." in response.content.decode()
