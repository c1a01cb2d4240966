"""Storing, rendering and sending weekly reports exactly once."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from celery import current_app
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask
from pypdf import PdfReader

from clinic import tasks
from clinic.models import Therapist, WeeklyReport
from clinic.report_render import csv_header, render_csv, render_pdf
from clinic.services import (
    patient_report_settings_update,
    weekly_report_build,
    weekly_report_deliver,
    weekly_report_send,
    weekly_reports_enqueue_due,
)
from patients.models import Patient
from tests.clinic.report_clinic import LONG_AGO, MONDAY, small_clinic
from tests.factories import PatientFactory, TherapistFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)


@pytest.fixture
def clinic():
    return small_clinic()


@pytest.fixture
def report(clinic):
    return weekly_report_build(therapist=clinic.therapist, week_start=MONDAY, now=NOW)


@pytest.fixture
def delayed(monkeypatch):
    """Record the outbox's publishes instead of sending them to the broker."""
    calls = []
    for name in ("send_weekly_report", "send_patient_weekly_summary"):
        task = getattr(tasks, name)
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args, kwargs=None, _n=name, **options: calls.append((_n, *args)),
        )
    return calls


def test_weekly_report_build_keeps_one_report_per_therapist_and_week(clinic, report):
    again = weekly_report_build(
        therapist=clinic.therapist, week_start=MONDAY, now=datetime(2026, 11, 24, tzinfo=UTC)
    )

    assert again.id == report.id
    assert again.generated_at == NOW
    assert WeeklyReport.objects.count() == 1


def test_weekly_report_build_rebuilds_in_place(clinic, report):
    later = datetime(2026, 11, 24, tzinfo=UTC)

    again = weekly_report_build(
        therapist=clinic.therapist, week_start=MONDAY, now=later, rebuild=True
    )

    assert again.id == report.id
    assert WeeklyReport.objects.get().generated_at == later


def test_weekly_report_build_rejects_a_week_not_starting_on_monday(clinic):
    with pytest.raises(ValidationError) as excinfo:
        weekly_report_build(therapist=clinic.therapist, week_start=date(2026, 11, 17))

    assert "week_start" in excinfo.value.message_dict
    assert WeeklyReport.objects.count() == 0


def test_weekly_report_send_sends_once(report, mailoutbox):
    first = weekly_report_send(report=report, now=NOW)
    second = weekly_report_send(report=WeeklyReport.objects.get(), now=NOW)

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1
    assert WeeklyReport.objects.get().sent_at == NOW


def test_weekly_report_send_emails_html_with_csv_and_pdf(report, mailoutbox):
    weekly_report_send(report=report, now=NOW)

    message = mailoutbox[0]
    assert message.to == ["terry@example.org"]
    assert "2026-W47" in message.subject
    assert message.alternatives[0].mimetype == "text/html"
    assert "Ada Test" in message.alternatives[0].content
    names = [(a.filename, a.mimetype) for a in message.attachments]
    assert names == [
        ("walkrx-report-2026-W47-terry.csv", "text/csv"),
        ("walkrx-report-2026-W47-terry.pdf", "application/pdf"),
    ]
    assert message.attachments[1].content[:5] == b"%PDF-"


def test_weekly_report_send_releases_the_claim_when_sending_fails(report, monkeypatch):
    def fail(self, fail_silently=False):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(EmailMultiAlternatives, "send", fail)

    with pytest.raises(OSError, match="unreachable"):
        weekly_report_send(report=report, now=NOW)

    assert WeeklyReport.objects.get().sent_at is None


def test_weekly_report_send_with_force_sends_again(report, mailoutbox):
    weekly_report_send(report=report, now=NOW)

    sent = weekly_report_send(report=WeeklyReport.objects.get(), now=NOW, force=True)

    assert sent is True
    assert len(mailoutbox) == 2


def test_a_duplicated_task_makes_one_report_and_one_email(clinic, mailoutbox, delayed):
    tasks.send_weekly_report(clinic.therapist.id, MONDAY.isoformat())
    tasks.send_weekly_report(clinic.therapist.id, MONDAY.isoformat())

    assert WeeklyReport.objects.count() == 1
    assert len(mailoutbox) == 1


def test_weekly_report_deliver_enqueues_opted_in_patients_summaries(
    clinic, delayed, django_capture_on_commit_callbacks
):
    patient_report_settings_update(patient=clinic.ada, weekly_summary_email=True)
    patient_report_settings_update(patient=clinic.ben, weekly_summary_email=False)

    with django_capture_on_commit_callbacks(execute=True):
        weekly_report_deliver(therapist=clinic.therapist, week_start=MONDAY, now=NOW)

    assert delayed == [("send_patient_weekly_summary", clinic.ada.id, "2026-11-16")]


def test_send_due_weekly_reports_claims_each_due_therapist_once(
    delayed, django_capture_on_commit_callbacks
):
    due = TherapistFactory(next_report_at=NOW, clinic__timezone="Europe/London")
    TherapistFactory(next_report_at=datetime(2026, 11, 30, 7, tzinfo=UTC))

    with django_capture_on_commit_callbacks(execute=True):
        first = weekly_reports_enqueue_due(now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        second = weekly_reports_enqueue_due(now=NOW)

    assert (first, second) == (1, 0)
    assert delayed == [("send_weekly_report", due.id, "2026-11-16")]
    due.refresh_from_db()
    assert due.next_report_at == datetime(2026, 11, 30, 7, tzinfo=UTC)


def test_send_due_weekly_reports_skips_a_therapist_claimed_elsewhere(
    delayed, monkeypatch, django_capture_on_commit_callbacks
):
    therapist = TherapistFactory(next_report_at=NOW)
    from clinic import services

    real_slot = services.next_weekly_slot

    def claimed_meanwhile(now, tz_name, **kwargs):
        # Another beat moves next_report_at between our read and our UPDATE.
        Therapist.objects.filter(id=therapist.id).update(next_report_at=real_slot(now, tz_name))
        return real_slot(now, tz_name, **kwargs)

    monkeypatch.setattr(services, "next_weekly_slot", claimed_meanwhile)

    with django_capture_on_commit_callbacks(execute=True):
        enqueued = weekly_reports_enqueue_due(now=NOW)

    assert enqueued == 0
    assert delayed == []


def test_send_due_weekly_reports_schedules_new_therapists_without_sending(delayed):
    therapist = TherapistFactory(clinic__timezone="Australia/Sydney")

    enqueued = weekly_reports_enqueue_due(now=NOW)

    therapist.refresh_from_db()
    assert enqueued == 0
    # Monday 30 November, 07:00 in Sydney (AEDT, UTC+11).
    assert therapist.next_report_at == datetime(2026, 11, 29, 20, tzinfo=UTC)


def test_the_hourly_beat_entry_is_installed_and_names_a_registered_task():
    entry = PeriodicTask.objects.get(task="clinic.tasks.send_due_weekly_reports")

    assert (entry.crontab.minute, entry.crontab.hour) == ("0", "*")
    assert entry.task in current_app.tasks


def test_the_csv_has_one_row_per_patient_in_attention_order(report):
    rows = list(csv.reader(io.StringIO(render_csv(report.data))))

    assert rows[0] == csv_header()
    assert rows[0][:7] == [
        "patient",
        "time_zone",
        "sessions_done",
        "sessions_prescribed",
        "minutes_walked",
        "minutes_prescribed",
        "adherence_percent",
    ]
    assert [r[0] for r in rows[1:]] == ["Dev Test", "Ada Test", "Cleo Test", "Ben Test"]
    ada = dict(zip(rows[0], rows[2], strict=True))
    assert (ada["adherence_percent"], ada["pain_mcid"], ada["program_change"]) == (
        "57",
        "better",
        "Progressed",
    )
    assert ada["needs_attention"] == "Alert open; Adherence below target"


def test_the_pdf_of_a_small_clinic_is_one_page(report):
    pdf = render_pdf(report.html)

    assert pdf[:5] == b"%PDF-"
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_the_pdf_of_a_large_caseload_runs_over_pages():
    therapist = TherapistFactory()
    for _ in range(60):
        WalkingProgramFactory(patient=PatientFactory(therapist=therapist), start_date=MONDAY)
    Patient.objects.update(created_at=LONG_AGO)

    report = weekly_report_build(therapist=therapist, week_start=MONDAY, now=NOW)

    assert len(report.data["patients"]) == 60
    assert len(PdfReader(io.BytesIO(render_pdf(report.html))).pages) >= 2


def test_the_report_task_runs_the_same_queries_for_1_or_10_patients(mailoutbox):
    counts = []
    for size in (1, 10):
        therapist = TherapistFactory()
        for _ in range(size):
            WalkingProgramFactory(patient=PatientFactory(therapist=therapist), start_date=MONDAY)
        Patient.objects.update(created_at=LONG_AGO)

        with CaptureQueriesContext(connection) as queries:
            tasks.send_weekly_report(therapist.id, MONDAY.isoformat())

        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(mailoutbox) == 2
