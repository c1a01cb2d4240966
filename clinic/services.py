"""Writes for clinics: therapists, weekly reports (build, send, schedule), patients' summaries."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.models import (
    Clinic,
    PatientReportSettings,
    PatientSummaryEmail,
    Therapist,
    WeeklyReport,
)
from clinic.outbox import enqueue_many_on_commit
from clinic.report_queries import caseload_weeks, patient_weekly_summary, report_thresholds
from clinic.report_render import outcome_counts, render_csv, render_html, render_pdf
from clinic.reports import (
    caseload_summary,
    caseload_trend,
    iso_week_label,
    next_weekly_slot,
    patient_row,
    report_week_for,
    sort_by_attention,
)
from clinic.selectors import patient_summary_email_opted_in
from clinic.send_once import message_id, send_once
from clinic.timezones import local_day_bounds, validate_timezone
from patients.models import Patient
from programs.selectors import clinic_recurrence_curve

logger = logging.getLogger(__name__)

THERAPIST_GROUP = "Therapists"


@transaction.atomic
def therapist_create(
    *,
    username: str,
    clinic_name: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    timezone_name: str | None = None,
    is_clinic_admin: bool = False,
) -> Therapist:
    """Create a staff user in the Therapists group and their Therapist row.

    The clinic is created (in ``timezone_name``, default UTC) when it does not exist.
    Raises ValidationError naming the field (username taken, weak password, unknown
    time zone, clinic in another zone); nothing is saved then.
    """
    if timezone_name is not None:
        _validate_field("timezone", validate_timezone, timezone_name)
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["A user with that username already exists."]})
    user = user_model(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=True,
    )
    user.full_clean(exclude=["password"])
    _validate_field("password", validate_password, password, user)
    clinic = _clinic_get_or_create(name=clinic_name, timezone_name=timezone_name)
    user.set_password(password)
    user.save()
    group, _ = Group.objects.get_or_create(name=THERAPIST_GROUP)
    user.groups.add(group)
    return Therapist.objects.create(user=user, clinic=clinic, is_clinic_admin=is_clinic_admin)


def _clinic_get_or_create(*, name: str, timezone_name: str | None) -> Clinic:
    clinic = Clinic.objects.filter(name=name).first()
    if clinic is None:
        clinic = Clinic(name=name, timezone=timezone_name or "UTC")
        clinic.full_clean()
        clinic.save()
    elif timezone_name is not None and clinic.timezone != timezone_name:
        raise ValidationError(
            {"timezone": [f"The clinic '{name}' already exists in time zone {clinic.timezone}."]}
        )
    return clinic


def _validate_field(name: str, validator, *args) -> None:
    try:
        validator(*args)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc


REPORT_HOUR = 7  # Monday 07:00 in the clinic's time zone


def report_patients(*, therapist: Therapist, week_start: date):
    """The therapist's patients on the report: not discharged, joined by the week's end."""
    _, week_end = local_day_bounds(week_start + timedelta(days=6), therapist.clinic.timezone)
    return Patient.objects.filter(therapist=therapist, created_at__lt=week_end).exclude(
        status=Patient.Status.DISCHARGED
    )


def weekly_report_data(*, therapist: Therapist, week_start: date, now: datetime) -> dict:
    """The report's figures as JSON-friendly data (stored in WeeklyReport.data)."""
    t = report_thresholds()
    clinic = therapist.clinic
    weeks = list(
        caseload_weeks(
            patients=report_patients(therapist=therapist, week_start=week_start),
            week_start=week_start,
            clinic_timezone=clinic.timezone,
        )
    )
    rows = sort_by_attention(patient_row(w, t) for w in weeks)
    return {
        "clinic": clinic.name,
        "clinic_timezone": clinic.timezone,
        "therapist": therapist.display_name,
        "therapist_username": therapist.user.get_username(),
        "week_start": week_start.isoformat(),
        "week_end": (week_start + timedelta(days=6)).isoformat(),
        "week_label": iso_week_label(week_start),
        "generated_at": now.isoformat(),
        "thresholds": asdict(t),
        "summary": asdict(caseload_summary(weeks, t)),
        "trend": [asdict(p) for p in caseload_trend(weeks, week_start)],
        "patients": [r.as_json() for r in rows],
    }


def clinic_recurrence_data(*, clinic: Clinic, until: date) -> dict:
    """The clinic's days to first recurrence after the active program, as JSON (one query).

    A clinic-level outcome beside the therapist's caseload figures: WalkBack's primary
    outcome, followed up to ``until`` (the report week's last day).
    """
    curve = clinic_recurrence_curve(clinic=clinic, today=until)
    return {
        "patients": curve.patients,
        "events": curve.events,
        "median_days": curve.median_days,
        "points": [
            {"day": p.day, "at_risk": p.at_risk, "survival": round(p.survival, 4)}
            for p in curve.points
        ],
    }


def weekly_report_build(
    *,
    therapist: Therapist,
    week_start: date,
    now: datetime | None = None,
    rebuild: bool = False,
) -> WeeklyReport:
    """Compute and store a therapist's report for one ISO week.

    Idempotent: one report per (therapist, week_start), a database constraint; an
    existing report is returned untouched unless ``rebuild`` (then recomputed in place).
    """
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": ["Must be a Monday (the start of an ISO week)."]})
    now = now or timezone.now()
    existing = WeeklyReport.objects.filter(therapist=therapist, week_start=week_start).first()
    if existing is not None and not rebuild:
        return existing
    data = {
        **weekly_report_data(therapist=therapist, week_start=week_start, now=now),
        "recurrence": clinic_recurrence_data(
            clinic=therapist.clinic, until=week_start + timedelta(days=6)
        ),
    }
    html = render_html(data)
    if existing is not None:
        existing.data, existing.html, existing.generated_at = data, html, now
        existing.save(update_fields=["data", "html", "generated_at"])
        return existing
    try:
        with transaction.atomic():
            return WeeklyReport.objects.create(
                therapist=therapist, week_start=week_start, generated_at=now, data=data, html=html
            )
    except IntegrityError:
        # A duplicated run created it between our read and our insert.
        return WeeklyReport.objects.get(therapist=therapist, week_start=week_start)


def weekly_report_filename(report: WeeklyReport, extension: str) -> str:
    """walkrx-report-2026-W47-<username>.<extension>"""
    return f"walkrx-report-{report.iso_week}-{report.therapist.user.get_username()}.{extension}"


def weekly_report_email(*, report: WeeklyReport) -> EmailMultiAlternatives:
    """The HTML email with the CSV and PDF attached."""
    data = report.data
    html = report.html or render_html(data)
    context = {"report": data, "outcomes": outcome_counts(data["patients"])}
    message = EmailMultiAlternatives(
        subject=f"WalkRx weekly report {data['week_label']}: {data['therapist']}",
        body=render_to_string("clinic/emails/weekly_report.txt", context),
        to=[report.therapist.user.email],
        headers={"Message-ID": message_id("weekly-report", report.pk)},
    )
    message.attach_alternative(html, "text/html")
    message.attach(weekly_report_filename(report, "csv"), render_csv(data), "text/csv")
    message.attach(weekly_report_filename(report, "pdf"), render_pdf(html), "application/pdf")
    return message


def weekly_report_send(
    *, report: WeeklyReport, now: datetime | None = None, force: bool = False
) -> bool:
    """Email the report once (clinic.send_once). Returns False if it had gone out (or no address).

    Raises SendInProgressError while another worker's lease is live, so the task retries
    later. ``force`` (the --resend command) sends again.
    """
    if not report.therapist.user.email:
        logger.warning("No email address for %s; report %s not sent.", report.therapist, report)
        return False
    return send_once(
        report,
        lambda: weekly_report_email(report=report).send(),
        now=now or timezone.now(),
        force=force,
    )


@transaction.atomic
def weekly_reports_enqueue_due(*, now: datetime | None = None) -> int:
    """Claim each therapist whose report is due and enqueue it. Returns the number enqueued.

    healthchecks' pattern: the conditional UPDATE moves next_report_at on to the next
    Monday 07:00 (clinic time) only if nobody else did, so two beats never both enqueue.
    The claims and the outbox rows commit together: a crash loses neither.
    """
    from clinic.tasks import send_weekly_report

    now = now or timezone.now()
    _schedule_new_therapists(now)
    due = (
        Therapist.objects.filter(next_report_at__lte=now)
        .values_list("id", "next_report_at", "clinic__timezone")
        .order_by("id")
    )
    due_reports: list[tuple[int, str]] = []
    for therapist_id, due_at, tz_name in due.iterator(chunk_size=500):
        new = next_weekly_slot(now, tz_name, hour=REPORT_HOUR)
        claimed = Therapist.objects.filter(id=therapist_id, next_report_at=due_at).update(
            next_report_at=new
        )
        if claimed != 1:
            continue  # another run moved it on already
        week = report_week_for(due_at, tz_name).isoformat()
        due_reports.append((therapist_id, week))
    enqueue_many_on_commit(send_weekly_report, due_reports)
    return len(due_reports)


def _schedule_new_therapists(now: datetime) -> None:
    """Give therapists without a schedule their first Monday 07:00 (nothing is sent now)."""
    zones = (
        Therapist.objects.filter(next_report_at__isnull=True)
        .values_list("clinic__timezone", flat=True)
        .distinct()
        .order_by()
    )
    for tz_name in list(zones):
        Therapist.objects.filter(next_report_at__isnull=True, clinic__timezone=tz_name).update(
            next_report_at=next_weekly_slot(now, tz_name, hour=REPORT_HOUR)
        )


def weekly_report_deliver(
    *, therapist: Therapist, week_start: date, now: datetime | None = None
) -> WeeklyReport:
    """Build (once) and send (once) a therapist's report, then fan out patients' summaries."""
    from clinic.tasks import send_patient_weekly_summary

    report = weekly_report_build(therapist=therapist, week_start=week_start, now=now)
    weekly_report_send(report=report, now=now)
    opted_in = PatientReportSettings.objects.filter(
        patient__therapist=therapist, weekly_summary_email=True
    ).values_list("patient_id", flat=True)
    week = week_start.isoformat()
    enqueue_many_on_commit(send_patient_weekly_summary, ((pid, week) for pid in opted_in))
    return report


def patient_report_settings_update(
    *, patient: Patient, weekly_summary_email: bool
) -> PatientReportSettings:
    """Opt the patient in to (or out of) the weekly summary email."""
    settings_row, _ = PatientReportSettings.objects.update_or_create(
        patient=patient, defaults={"weekly_summary_email": weekly_summary_email}
    )
    return settings_row


def patient_summary_send(
    *, patient: Patient, week_start: date, now: datetime | None = None
) -> bool:
    """Email a patient's weekly summary if they opted in. Returns whether it was sent.

    Idempotent: PatientSummaryEmail is unique per (patient, week) and sent once through
    clinic.send_once, as the therapists' reports are.
    """
    now = now or timezone.now()
    if not patient_summary_email_opted_in(patient=patient) or not patient.user.email:
        return False
    row, _ = PatientSummaryEmail.objects.get_or_create(patient=patient, week_start=week_start)
    if row.sent_at is not None:
        return False
    return send_once(
        row,
        lambda: _patient_summary_email(patient=patient, week_start=week_start, row=row).send(),
        now=now,
    )


def _patient_summary_email(
    *, patient: Patient, week_start: date, row: PatientSummaryEmail
) -> EmailMultiAlternatives:
    summary = patient_weekly_summary(patient=patient, week_start=week_start)
    context = {"summary": summary, "patient": patient}
    message = EmailMultiAlternatives(
        subject=f"Your walking week {summary.week_label}",
        body=render_to_string("clinic/emails/patient_weekly_summary.txt", context),
        to=[patient.user.email],
        headers={"Message-ID": message_id("patient-summary", row.pk)},
    )
    message.attach_alternative(
        render_to_string("clinic/emails/patient_weekly_summary.html", context), "text/html"
    )
    return message
