"""The report admin: HTML view, CSV and PDF downloads, scoped to the therapist's clinic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from clinic.models import WeeklyReport
from clinic.services import weekly_report_build
from tests.clinic.report_clinic import MONDAY, small_clinic
from tests.factories import TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    clinic = small_clinic()
    return weekly_report_build(
        therapist=clinic.therapist, week_start=MONDAY, now=datetime(2026, 11, 23, tzinfo=UTC)
    )


def url(name: str, report) -> str:
    return reverse(f"admin:clinic_weeklyreport_{name}", args=[report.pk])


def test_it_shows_the_report_html_to_a_therapist_of_the_clinic(client, report):
    colleague = TherapistFactory(clinic=report.therapist.clinic)
    client.force_login(colleague.user)

    response = client.get(url("html", report))

    assert response.status_code == 200
    assert b"Ada Test" in response.content
    assert b"<svg" in response.content


def test_it_downloads_csv_and_pdf(client, report):
    client.force_login(report.therapist.user)

    csv_response = client.get(url("csv", report))
    pdf_response = client.get(url("pdf", report))

    assert csv_response["Content-Type"] == "text/csv"
    assert csv_response.content.startswith(b"patient,time_zone,")
    assert "walkrx-report-2026-W47-terry.pdf" in pdf_response["Content-Disposition"]
    assert pdf_response.content[:5] == b"%PDF-"


@pytest.mark.parametrize("name", ["html", "csv", "pdf"])
def test_it_hides_another_clinics_report(client, report, name):
    outsider = TherapistFactory()
    client.force_login(outsider.user)

    response = client.get(url(name, report))

    assert response.status_code == 404


def test_the_changelist_lists_only_the_therapists_clinic(client, report):
    outsider = TherapistFactory()
    client.force_login(outsider.user)

    response = client.get(reverse("admin:clinic_weeklyreport_changelist"))

    assert response.status_code == 200
    assert "2026-W47" not in response.content.decode()


def test_a_superuser_sees_every_clinics_reports(client, report):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:clinic_weeklyreport_changelist"))

    assert "2026-W47" in response.content.decode()


@pytest.mark.parametrize("weeks", [1, 4])
def test_the_changelist_query_count_does_not_grow_with_reports(
    client, django_assert_num_queries, weeks
):
    therapist = TherapistFactory()
    for n in range(weeks):
        WeeklyReport.objects.create(
            therapist=therapist,
            week_start=date(2026, 11, 16) - timedelta(weeks=n),
            generated_at=datetime(2026, 11, 23, tzinfo=UTC),
        )
    client.force_login(therapist.user)

    # 1 savepoint (ATOMIC_REQUESTS), 2 session, 3 user, 4-5 user and group permissions,
    # 6 the user's therapist, 7 the clinic filter's choices, 8-9 filtered and total
    # counts, 10 the reports with therapist, user and clinic, 11 release savepoint,
    # 12-13 the date hierarchy (rendered after the view returns).
    with django_assert_num_queries(13):
        response = client.get(reverse("admin:clinic_weeklyreport_changelist"))

    assert response.status_code == 200
