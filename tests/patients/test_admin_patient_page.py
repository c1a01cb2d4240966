from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse

from patients.models import Patient
from programs.models import DailySteps, TargetChange
from programs.services import program_set_target
from tests.admin_forms import change_form_data
from tests.factories import (
    AlertFactory,
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)  # a Thursday
TODAY = date(2026, 11, 19)
MONDAY = date(2026, 11, 16)


def _url(patient: Patient) -> str:
    return reverse("admin:patients_patient_change", args=[patient.pk])


def _walk(patient: Patient, day: date, minutes: int, pain_after: int = 3) -> None:
    started = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    WalkLogFactory(
        patient=patient, started_at=started, duration_minutes=minutes, pain_after=pain_after
    )


def _json_script(page: str, element_id: str) -> dict:
    start = page.index(f'<script id="{element_id}" type="application/json">')
    body = page[page.index(">", start) + 1 : page.index("</script>", start)]
    return json.loads(body)


@time_machine.travel(NOW, tick=False)
def test_the_patient_page_shows_program_history_walks_alerts_and_chart(client):
    program = WalkingProgramFactory(start_date=MONDAY - timedelta(days=7))
    patient = program.patient
    program_set_target(
        program=program,
        sessions_per_day=2,
        minutes_per_session=11,
        effective_on=MONDAY,
        reason=TargetChange.Reason.PROGRESSED,
        note="Adherent and pain steady",
    )
    _walk(patient, TODAY, 23)
    PainCheckInFactory(patient=patient, date=TODAY, score=7)
    AlertFactory(patient=patient, message="Pain up 2 points this week")
    client.force_login(patient.therapist.user)

    response = client.get(_url(patient))

    page = response.content.decode()
    assert "Adherent and pain steady" in page
    assert "Pain up 2 points this week" in page
    assert "Acknowledge" in page
    assert "chart.umd.min.js" in page
    assert [w.duration_minutes for w in response.context["recent_walks"]] == [23]
    assert [c.score for c in response.context["recent_checkins"]] == [7]
    chart = _json_script(page, "walkrx-weekly-chart-data")
    assert chart["labels"][-1] == MONDAY.isoformat()
    assert chart["minutes"][-1] == 23
    assert len(chart["labels"]) == 8


@time_machine.travel(NOW, tick=False)
def test_the_patient_page_offers_to_prescribe_when_there_is_no_program(client):
    patient = PatientFactory()
    client.force_login(patient.therapist.user)

    response = client.get(_url(patient))

    add = reverse("admin:programs_walkingprogram_add")
    assert f"{add}?patient={patient.pk}" in response.content.decode()


def test_a_therapist_changes_a_patients_status_and_therapist(client):
    patient = PatientFactory()
    colleague = TherapistFactory(clinic=patient.clinic)
    client.force_login(patient.therapist.user)
    page = client.get(_url(patient))

    response = client.post(
        _url(patient), change_form_data(page, status="paused", therapist=colleague.pk)
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.status, patient.therapist) == ("paused", colleague)


def test_the_chart_library_is_vendored_with_its_licence():
    script = finders.find("clinic/vendor/chartjs/chart.umd.min.js")
    licence = finders.find("clinic/vendor/chartjs/LICENSE.md")

    assert "Chart.js v4" in Path(script).read_text()[:200]
    assert "MIT License" in Path(licence).read_text()


def test_the_patient_page_makes_the_same_queries_for_3_or_12_colleagues(client):
    program = WalkingProgramFactory()
    therapist = program.patient.therapist
    client.force_login(therapist.user)
    url = _url(program.patient)
    client.get(url)

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    TherapistFactory.create_batch(2, clinic=therapist.clinic)
    few = queries()
    TherapistFactory.create_batch(9, clinic=therapist.clinic)
    # The therapist select's labels come with their users (no query per colleague).
    assert queries() == few


def _steps(patient: Patient, day: date, steps: int, source: str = "csv") -> None:
    DailySteps.objects.create(patient=patient, date=day, source=source, steps=steps)


@time_machine.travel(NOW, tick=False)
def test_the_patient_chart_shows_each_weeks_imported_steps(client):
    patient = WalkingProgramFactory(start_date=MONDAY - timedelta(days=14)).patient
    _steps(patient, TODAY, 4000)
    _steps(patient, TODAY, 4500, source="fitbit")  # the same day seen twice: the larger counts
    _steps(patient, MONDAY, 1200)
    _steps(patient, MONDAY - timedelta(days=1), 900)  # Sunday: the week before
    _steps(patient, MONDAY - timedelta(weeks=8), 7777)  # before the chart's 8 weeks
    client.force_login(patient.therapist.user)

    chart = _json_script(client.get(_url(patient)).content.decode(), "walkrx-weekly-chart-data")

    assert chart["steps"] == [0, 0, 0, 0, 0, 0, 900, 5700]


@time_machine.travel(NOW, tick=False)
def test_the_patient_chart_shows_no_steps_for_a_patient_without_imports(client):
    patient = WalkingProgramFactory().patient
    client.force_login(patient.therapist.user)

    chart = _json_script(client.get(_url(patient)).content.decode(), "walkrx-weekly-chart-data")

    assert chart["steps"] == [0] * 8


@time_machine.travel(NOW, tick=False)
def test_the_patient_page_makes_the_same_queries_for_1_or_56_days_of_steps(client):
    patient = WalkingProgramFactory(start_date=MONDAY - timedelta(weeks=8)).patient
    client.force_login(patient.therapist.user)
    url = _url(patient)
    _steps(patient, TODAY, 100)
    client.get(url)

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one_day = queries()
    for n in range(1, 56):
        _steps(patient, TODAY - timedelta(days=n), 100 + n, source="fitbit")
    assert queries() == one_day
