"""Patient rights: export all of a patient's data; erase the person but keep the figures."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, Left, StrIndex
from django.utils.html import escape

from clinic.audit import audit_record
from clinic.models import (
    ApiToken,
    AuditEvent,
    IdempotencyRecord,
    PatientReportSettings,
    PatientSummaryEmail,
    WeeklyReport,
)
from patients.models import (
    Alert,
    LessonAssignment,
    PainCheckIn,
    Patient,
    QuestionnaireAssignment,
    QuestionnaireResponse,
    RedFlagScreen,
)
from patients.questionnaires import PSFS
from programs.models import (
    BoosterPrompt,
    DailySteps,
    PainResponse,
    RecurrenceCheckIn,
    TargetChange,
    WalkingProgram,
    WalkLog,
)

ERASED_NAME = "Erased patient"
USER_FIELDS = ["id", "username", "first_name", "last_name", "email", "date_joined", "last_login"]


def fhir_bundle_for_export(patient: Patient) -> dict | None:
    """The patient's FHIR R4 Bundle (patients.fhir) as JSON, for the export."""
    from patients.fhir import bundle_json, patient_bundle
    from patients.selectors import patient_fhir_data

    return bundle_json(patient_bundle(patient_fhir_data(patient=patient)))


def patient_export(*, patient: Patient) -> dict[str, Any]:
    """Everything stored about one patient, as plain JSON-ready data (a read: no audit)."""
    user = get_user_model().objects.filter(pk=patient.user_id).values(*USER_FIELDS).get()
    programs = WalkingProgram.objects.filter(patient=patient)
    return {
        "format": "walkrx-patient-export/1",
        "patient": Patient.objects.filter(pk=patient.pk).values().get(),
        "user": user,
        "report_settings": list(PatientReportSettings.objects.filter(patient=patient).values()),
        "programs": list(programs.values()),
        "target_changes": list(TargetChange.objects.filter(program__in=programs).values()),
        "walks": list(WalkLog.objects.filter(patient=patient).values()),
        "pain_checkins": list(PainCheckIn.objects.filter(patient=patient).values()),
        "pain_responses": list(PainResponse.objects.filter(patient=patient).values()),
        "alerts": list(Alert.objects.filter(patient=patient).values()),
        "lessons": list(
            LessonAssignment.objects.filter(patient=patient).values(
                "id", "lesson__slug", "lesson__title", "assigned_at", "completed_at"
            )
        ),
        "red_flag_screens": list(RedFlagScreen.objects.filter(patient=patient).values()),
        "questionnaire_responses": list(
            QuestionnaireResponse.objects.filter(patient=patient).values()
        ),
        "questionnaire_assignments": list(
            QuestionnaireAssignment.objects.filter(patient=patient).values()
        ),
        "recurrence_checkins": list(RecurrenceCheckIn.objects.filter(patient=patient).values()),
        "booster_prompts": list(BoosterPrompt.objects.filter(patient=patient).values()),
        "daily_steps": list(DailySteps.objects.filter(patient=patient).values()),
        "weekly_summary_emails": list(PatientSummaryEmail.objects.filter(patient=patient).values()),
        "weekly_report_rows": _weekly_report_rows(patient),
        "fhir_bundle": fhir_bundle_for_export(patient),
    }


def _weekly_report_rows(patient: Patient) -> list[dict]:
    """The patient's row in each stored therapist report of their clinic."""
    reports = WeeklyReport.objects.filter(therapist__clinic_id=patient.clinic_id)
    return [
        {"week_start": week_start, **row}
        for week_start, data in reports.values_list("week_start", "data").iterator()
        for row in data.get("patients", [])
        if row.get("patient_id") == patient.pk
    ]


def _pii_strings(patient: Patient) -> list[str]:
    """The strings that name the patient, longest first (so "Ann Lee" goes before "Ann")."""
    user = patient.user
    names = {user.get_full_name(), user.username, user.email, patient.display_name}
    return sorted((n for n in names if n and len(n) >= 3), key=len, reverse=True)


def _scrub(text: str, strings: list[str]) -> str:
    for s in strings:
        text = text.replace(s, ERASED_NAME)
    return text


def _scrub_weekly_reports(patient: Patient, strings: list[str]) -> None:
    """Replace the patient's name in stored reports; every figure stays as it was."""
    html_strings = [escape(s) for s in strings]
    reports = WeeklyReport.objects.filter(therapist__clinic_id=patient.clinic_id)
    for report in reports.only("id", "data", "html").iterator():
        changed = False
        for row in report.data.get("patients", []):
            if row.get("patient_id") == patient.pk and row.get("name") != ERASED_NAME:
                row["name"] = ERASED_NAME
                changed = True
        html = _scrub(report.html, html_strings)
        if changed or html != report.html:
            report.html = html
            report.save(update_fields=["data", "html"])


@transaction.atomic
def patient_erase(*, patient: Patient, actor=None, request=None) -> Patient:
    """Irreversibly anonymise a patient; numeric rows stay so report figures still add up.

    Kept: the Patient row (clinic, therapist, status, baseline, time zone, year of birth),
    walks, pain scores, programs, alerts and screens. Gone: the login, names, email, exact date of
    birth, every free-text note (PSFS activity names, recurrence notes), device workout ids,
    tokens and stored API replies, and the name in reports, booster prompts, admin history
    and audit copies.
    """
    patient = Patient.objects.select_for_update().select_related("user").get(pk=patient.pk)
    strings = _pii_strings(patient)
    user = patient.user
    old_username = user.username

    audit_record(
        action="erase",
        request=request,
        actor=actor,
        patient=patient,
        obj=patient,
        detail={"command": "erase_patient"} if request is None else {},
    )

    WalkLog.objects.filter(patient=patient).update(note="")
    _forget_device_ids(patient)
    _blank_psfs_activities(patient)
    RecurrenceCheckIn.objects.filter(patient=patient).update(note="")
    for prompt in BoosterPrompt.objects.filter(patient=patient).only("id", "reason"):
        reason = _scrub(prompt.reason, strings)
        if reason != prompt.reason:
            BoosterPrompt.objects.filter(pk=prompt.pk).update(reason=reason)
    PainCheckIn.objects.filter(patient=patient).update(note="")
    TargetChange.objects.filter(program__patient=patient).update(note="")
    Alert.objects.filter(patient=patient).update(resolution="")
    for alert in Alert.objects.filter(patient=patient).only("id", "message"):
        message = _scrub(alert.message, strings)
        if message != alert.message:
            Alert.objects.filter(pk=alert.pk).update(message=message)
    _scrub_weekly_reports(patient, strings)
    for s in strings:
        for entry in LogEntry.objects.filter(object_repr__contains=s).only("id", "object_repr"):
            LogEntry.objects.filter(pk=entry.pk).update(object_repr=_scrub(entry.object_repr, [s]))
    AuditEvent.objects.filter(actor=user).scrub(actor_username=ERASED_NAME)
    ApiToken.objects.filter(user=user).delete()
    IdempotencyRecord.objects.filter(user=user).delete()
    _forget_sign_in_attempts(old_username)

    if patient.date_of_birth:
        # Keep the year only (age bands); 1 January stands for "sometime that year".
        patient.date_of_birth = date(patient.date_of_birth.year, 1, 1)
    # The status stays: reports include every patient who is not discharged, so a change
    # here would change the figures. Discharge the patient separately if care has ended.
    patient.save(update_fields=["date_of_birth"])

    user.username = f"erased-{uuid.uuid4().hex[:16]}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return patient


def _forget_device_ids(patient: Patient) -> None:
    """Device workout ids may identify the person: keep only the source ("apple_health:").

    "<source>:erased-<walk id>" stays unique per patient and non-empty, so the walk still
    reads as imported (an empty external_id means "logged by hand").
    """
    imported = WalkLog.objects.filter(patient=patient).exclude(external_id="")
    imported.update(
        external_id=Concat(
            Left("external_id", StrIndex("external_id", Value(":"))),
            Value("erased-"),
            Cast("id", output_field=CharField()),
            output_field=CharField(),
        )
    )


def _blank_psfs_activities(patient: Patient) -> None:
    """PSFS activity names are the patient's own words: blank them, keep every score."""
    responses = QuestionnaireResponse.objects.filter(patient=patient, measure=PSFS)
    for response in responses.only("id", "answers"):
        answers = {
            key: {**value, "activity": ""} if isinstance(value, dict) else value
            for key, value in response.answers.items()
        }
        if answers != response.answers:
            QuestionnaireResponse.objects.filter(pk=response.pk).update(answers=answers)


def _forget_sign_in_attempts(username: str) -> None:
    """django-axes keeps usernames of sign-in attempts; drop the patient's."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=username).delete()
