from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic.models import PatientReportSettings
from tests.factories import PatientFactory, WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)  # Wednesday
LAST_MONDAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _midday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient():
    patient = PatientFactory(onboarded_at=timezone.now(), timezone="Europe/London")
    WalkingProgramFactory(
        patient=patient, sessions_per_day=2, minutes_per_session=12, start_date=date(2026, 11, 2)
    )
    return patient


def test_it_shows_last_weeks_summary_on_the_progress_page(client, patient):
    for day in (16, 17, 18):
        WalkLogFactory(
            patient=patient,
            local_date=date(2026, 11, day),
            duration_minutes=15,
            started_at=datetime(2026, 11, day, 9, tzinfo=LONDON),
        )
    client.force_login(patient.user)

    response = client.get(reverse("portal:progress"))

    summary = response.context["summary"]
    assert summary.week_start == LAST_MONDAY
    assert (summary.sessions_done, summary.minutes_walked, summary.active_days) == (3, 45, 3)
    assert "Last week (2026-W47)" in response.content.decode()


def test_it_opts_the_patient_in_to_the_summary_email_and_back_out(client, patient):
    client.force_login(patient.user)

    client.post(reverse("portal:summary_email"), {"weekly_summary_email": "on"})
    opted_in = PatientReportSettings.objects.get(patient=patient).weekly_summary_email
    client.post(reverse("portal:summary_email"), {})

    assert opted_in is True
    assert PatientReportSettings.objects.get(patient=patient).weekly_summary_email is False


def test_the_summary_email_toggle_needs_a_post(client, patient):
    client.force_login(patient.user)

    response = client.get(reverse("portal:summary_email"))

    assert response.status_code == 405
