"""The one access gateway: every path to patient data starts here."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from clinic.models import ApiToken, Clinic, Therapist
from patients.models import Alert, LessonAssignment, PainCheckIn, Patient
from programs.models import ProgramTemplate, TargetChange, WalkingProgram, WalkLog


def therapist_for_user(user: AbstractBaseUser | AnonymousUser) -> Therapist | None:
    """The user's Therapist row, or None (cached on the user for the request)."""
    if not user.is_authenticated:
        return None
    try:
        return user.therapist
    except Therapist.DoesNotExist:
        return None


def patient_for_user(user: AbstractBaseUser | AnonymousUser) -> Patient | None:
    if not user.is_authenticated:
        return None
    try:
        return user.patient
    except Patient.DoesNotExist:
        return None


def clinics_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Clinic]:
    if user.is_authenticated and user.is_superuser:
        return Clinic.objects.all()
    therapist = therapist_for_user(user)
    if therapist is None:
        return Clinic.objects.none()
    return Clinic.objects.filter(id=therapist.clinic_id)


def patients_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Patient]:
    """Superusers see everyone; a therapist their clinic; a patient only themself."""
    if not user.is_authenticated:
        return Patient.objects.none()
    if user.is_superuser:
        return Patient.objects.all()
    therapist = therapist_for_user(user)
    if therapist is not None:
        return Patient.objects.filter(clinic_id=therapist.clinic_id)
    return Patient.objects.filter(user=user)


def programs_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[WalkingProgram]:
    return WalkingProgram.objects.filter(patient__in=patients_visible_to(user))


def walks_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[WalkLog]:
    return WalkLog.objects.filter(patient__in=patients_visible_to(user))


def pain_checkins_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[PainCheckIn]:
    return PainCheckIn.objects.filter(patient__in=patients_visible_to(user))


def alerts_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Alert]:
    return Alert.objects.filter(patient__in=patients_visible_to(user))


def therapists_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Therapist]:
    if user.is_authenticated and user.is_superuser:
        return Therapist.objects.all()
    therapist = therapist_for_user(user)
    if therapist is None:
        return Therapist.objects.none()
    return Therapist.objects.filter(clinic_id=therapist.clinic_id)


def program_templates_visible_to(
    user: AbstractBaseUser | AnonymousUser,
) -> QuerySet[ProgramTemplate]:
    """The shared templates plus the user's clinic's own (superusers: all)."""
    if user.is_authenticated and user.is_superuser:
        return ProgramTemplate.objects.all()
    therapist = therapist_for_user(user)
    if therapist is None:
        return ProgramTemplate.objects.none()
    return ProgramTemplate.objects.filter(Q(clinic__isnull=True) | Q(clinic_id=therapist.clinic_id))


def lesson_assignments_visible_to(
    user: AbstractBaseUser | AnonymousUser,
) -> QuerySet[LessonAssignment]:
    return LessonAssignment.objects.filter(patient__in=patients_visible_to(user))


def target_changes_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[TargetChange]:
    return TargetChange.objects.filter(program__patient__in=patients_visible_to(user))


def api_token_for_raw(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live (unexpired, unrevoked) token with this raw value and its user, or None.

    The user's patient or therapist row comes in the same query (left joins), so no
    request needs another query to find out who is asking (clinic.token_lookup).
    """
    from clinic.api.tokens import api_token_hash
    from clinic.token_lookup import api_token_live

    return api_token_live(key_hash=api_token_hash(raw), now=now or timezone.now())


def patient_summary_email_opted_in(*, patient: Patient) -> bool:
    """Whether the patient asked for their weekly summary by email."""
    from clinic.models import PatientReportSettings

    return PatientReportSettings.objects.filter(patient=patient, weekly_summary_email=True).exists()


def questionnaire_responses_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    from patients.models import QuestionnaireResponse

    return QuestionnaireResponse.objects.filter(patient__in=patients_visible_to(user))


def questionnaire_assignments_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    from patients.models import QuestionnaireAssignment

    return QuestionnaireAssignment.objects.filter(patient__in=patients_visible_to(user))


def questionnaire_texts_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    """A clinic's loaded item text: its therapists (and superusers) only."""
    from patients.models import QuestionnaireText

    return QuestionnaireText.objects.filter(clinic__in=clinics_visible_to(user))


def check_runs_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    from programs.models import CheckRun

    return CheckRun.objects.filter(patient__in=patients_visible_to(user))


def pain_responses_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    from programs.models import PainResponse

    return PainResponse.objects.filter(patient__in=patients_visible_to(user))


def audit_events_visible_to(user: AbstractBaseUser | AnonymousUser):
    """Superusers see every audit event; a clinic admin their clinic's; anyone else none."""
    from clinic.models import AuditEvent

    if user.is_authenticated and user.is_superuser:
        return AuditEvent.objects.all()
    therapist = therapist_for_user(user)
    if therapist is None or not therapist.is_clinic_admin:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(clinic_id=therapist.clinic_id)


def users_linkable_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    """Accounts a user may link to a record of their clinic (a therapist's login, say):
    superusers any; a therapist none that is another clinic's patient or therapist."""
    users = get_user_model().objects.all()
    if user.is_authenticated and user.is_superuser:
        return users
    therapist = therapist_for_user(user)
    if therapist is None:
        return users.none()
    own = therapist.clinic_id
    return users.filter(Q(patient__isnull=True) | Q(patient__clinic_id=own)).filter(
        Q(therapist__isnull=True) | Q(therapist__clinic_id=own)
    )


def patient_report_settings_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    from clinic.models import PatientReportSettings

    return PatientReportSettings.objects.filter(patient__in=patients_visible_to(user))
