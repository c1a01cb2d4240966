"""Writes for patients, pain check-ins, alerts and lessons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.bulk import insert_columns, update_columns
from clinic.conf import walkrx_setting
from clinic.models import Therapist
from clinic.outbox import enqueue_on_commit
from clinic.timezones import local_date
from patients.models import (
    Alert,
    EducationIntensity,
    Lesson,
    LessonAssignment,
    PainCheckIn,
    Patient,
    QuestionnaireAssignment,
    QuestionnaireResponse,
    QuestionnaireText,
    RedFlagScreen,
)
from patients.questionnaires import MEASURES, START_BACK, AnswerError, clean_answers, score_answers
from patients.redflags import QUESTION_KEYS, ScreenResult, describe, evaluate_screen


@transaction.atomic
def patient_create(
    *,
    therapist: Therapist,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    date_of_birth: date,
    baseline_pain: int,
    password: str | None = None,
    timezone_name: str | None = None,
    medical_clearance_on: date | None = None,
) -> Patient:
    """Create the patient's user and record; the time zone defaults to the clinic's.

    Raises ValidationError (nothing saved) on bad input. Without a password the user
    gets an unusable one and must be invited to set it.
    """
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["A user with that username already exists."]})
    user = user_model(username=username, first_name=first_name, last_name=last_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    patient = Patient(
        user=user,
        clinic=therapist.clinic,
        therapist=therapist,
        date_of_birth=date_of_birth,
        baseline_pain=baseline_pain,
        timezone=timezone_name or therapist.clinic.timezone,
        medical_clearance_on=medical_clearance_on,
    )
    patient.full_clean(exclude=["user"])
    _validate_date_of_birth(patient)
    patient.save()
    return patient


def _validate_date_of_birth(patient: Patient) -> None:
    today = local_date(timezone.now(), patient.timezone)
    if patient.date_of_birth >= today:
        raise ValidationError({"date_of_birth": ["Date of birth must be in the past."]})
    if patient.date_of_birth.year < today.year - 120:
        raise ValidationError({"date_of_birth": ["Date of birth is too far in the past."]})


def patient_today(*, patient: Patient, now: datetime | None = None) -> date:
    """The patient's local calendar date right now."""
    return local_date(now or timezone.now(), patient.timezone)


def validate_patient_day(
    *, patient: Patient, day: date, field: str, now: datetime | None = None
) -> None:
    """A local date may be today or up to the backdating window ago, never in the future."""
    today = patient_today(patient=patient, now=now)
    backdate_days = walkrx_setting("WALK_BACKDATE_DAYS")
    if day > today:
        raise ValidationError({field: ["Cannot be in the future."]})
    if (today - day).days > backdate_days:
        raise ValidationError({field: [f"Cannot be more than {backdate_days} days ago."]})


@transaction.atomic
def pain_checkin_record(
    *,
    patient: Patient,
    day: date,
    score: int,
    flare_up: bool = False,
    triggers: Iterable[str] = (),
    note: str = "",
    now: datetime | None = None,
) -> tuple[PainCheckIn, bool]:
    """Record the day's check-in; a second one for the same date replaces the first.

    Returns (check-in, created).
    """
    validate_patient_day(patient=patient, day=day, field="date", now=now)
    triggers = sorted(set(triggers))
    unknown = [t for t in triggers if t not in PainCheckIn.Trigger.values]
    if unknown:
        raise ValidationError({"triggers": [f"Unknown trigger: {', '.join(unknown)}."]})
    checkin = PainCheckIn.objects.filter(patient=patient, date=day).first()
    created = checkin is None
    checkin = checkin or PainCheckIn(patient=patient, date=day)
    checkin.score, checkin.flare_up, checkin.triggers, checkin.note = (
        score,
        flare_up,
        triggers,
        note,
    )
    checkin.full_clean(exclude=["patient"], validate_constraints=False)
    checkin.save()
    return checkin, created


def alert_open(
    *,
    patient: Patient,
    kind: str,
    message: str,
    severity: str = Alert.Severity.WARNING,
    now: datetime | None = None,
) -> tuple[Alert, bool]:
    """Open an alert, or refresh the open one of that kind. Returns (alert, created).

    Idempotent: at most one open alert per patient and kind (a database constraint),
    so a repeated check updates the message instead of piling up alerts.
    """
    now = now or timezone.now()
    existing = Alert.objects.filter(patient=patient, kind=kind, status=Alert.Status.OPEN).first()
    if existing is not None:
        return _alert_refresh(existing, message=message, severity=severity), False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                patient=patient, kind=kind, message=message, severity=severity, opened_at=now
            )
    except IntegrityError:
        # Another worker opened it between our read and our insert.
        alert = Alert.objects.get(patient=patient, kind=kind, status=Alert.Status.OPEN)
        return _alert_refresh(alert, message=message, severity=severity), False
    return alert, True


def _alert_refresh(alert: Alert, *, message: str, severity: str) -> Alert:
    if (alert.message, alert.severity) != (message, severity):
        alert.message, alert.severity = message, severity
        alert.save(update_fields=["message", "severity", "updated_at"])
    return alert


def alert_acknowledge(
    *, alert: Alert, user: AbstractBaseUser, now: datetime | None = None
) -> Alert:
    """Mark an alert as seen by a therapist. Acknowledging twice changes nothing."""
    if alert.status != Alert.Status.OPEN:
        return alert
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_at = now or timezone.now()
    alert.acknowledged_by = user
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    return alert


def alert_resolve(
    *, patient: Patient, kind: str, resolution: str, now: datetime | None = None
) -> int:
    """Close the open alert of this kind (the patient is back on track). Returns rows closed."""
    return Alert.objects.filter(patient=patient, kind=kind, status=Alert.Status.OPEN).update(
        status=Alert.Status.RESOLVED,
        resolved_at=now or timezone.now(),
        resolution=resolution,
        updated_at=now or timezone.now(),
    )


class AlertChange(NamedTuple):
    """One patient's alert of one kind: open (or refresh) it with ``message``, or close it.

    A tuple, not a frozen dataclass: the watch builds two per patient, and a frozen
    dataclass's __init__ cost more than the rules that decide them (issue 7).
    """

    patient_id: int
    kind: str
    open: bool
    message: str
    severity: str = Alert.Severity.WARNING


# (patient id, kind) -> (alert id, message, severity) of an unresolved alert.
UnresolvedAlerts = dict[tuple[int, str], tuple[int, str, str]]


def alerts_unresolved(*, patient_ids: Iterable[int], kinds: Iterable[str]) -> UnresolvedAlerts:
    """The unresolved alerts of these patients and kinds (one query), as alerts_apply reads
    them. An acknowledged alert still stands for its condition (the therapist has seen
    it): it is refreshed or closed like an open one, and no second alert is opened beside.
    """
    return {
        (patient_id, kind): (alert_id, message, severity)
        for alert_id, patient_id, kind, message, severity in Alert.objects.filter(
            patient_id__any=patient_ids,
            kind__in=kinds,
            status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED],
        )
        .order_by("status")  # "acknowledged" < "open": an open alert overwrites, so it wins
        .values_list("id", "patient_id", "kind", "message", "severity")  # plain rows: thousands
    }


@transaction.atomic(savepoint=False)
def alerts_apply(
    *,
    changes: Sequence[AlertChange],
    now: datetime | None = None,
    existing: UnresolvedAlerts | None = None,
) -> int:
    """alert_open / alert_resolve for many patients in at most four queries on PostgreSQL
    (elsewhere the inserts and updates go in batches of the database's parameter limit).

    Idempotent like them: one open alert per patient and kind (the database constraint;
    an alert opened concurrently by another worker is left to it), a repeat refreshes the
    message, and closing records the reason. An acknowledged alert is not reopened
    beside. ``existing``: alerts_unresolved() of the changes' patients and kinds, if the
    caller has read it (one query fewer). Returns the number of alerts opened.
    """
    if not changes:
        return 0
    now = now or timezone.now()
    if existing is None:  # Query 1
        existing = alerts_unresolved(
            patient_ids={c.patient_id for c in changes}, kinds={c.kind for c in changes}
        )
    new: list[AlertChange] = []
    refreshed: dict[int, AlertChange] = {}
    closing: dict[int, str] = {}
    for change in changes:
        alert = existing.get((change.patient_id, change.kind))
        if alert is None:
            if change.open:
                new.append(change)
            continue
        alert_id, message, severity = alert
        if not change.open:
            closing[alert_id] = change.message
        elif (message, severity) != (change.message, change.severity):
            refreshed[alert_id] = change
    if new:  # Query 2
        insert_columns(
            Alert,
            {
                "patient_id": [c.patient_id for c in new],
                "kind": [c.kind for c in new],
                "message": [c.message for c in new],
                "severity": [c.severity for c in new],
                "opened_at": [now] * len(new),
            },
            ignore_conflicts=True,
        )
    # Resolved by someone else since query 1: left as they are.
    unresolved = {"status": [Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED]}
    if refreshed:  # Query 3
        update_columns(
            Alert,
            {
                "id": list(refreshed),
                "message": [c.message for c in refreshed.values()],
                "severity": [c.severity for c in refreshed.values()],
            },
            constants={"updated_at": now},
            only_where_in=unresolved,
        )
    if closing:  # Query 4
        update_columns(
            Alert,
            {"id": list(closing), "resolution": [text[:200] for text in closing.values()]},
            constants={"status": Alert.Status.RESOLVED, "resolved_at": now, "updated_at": now},
            only_where_in=unresolved,
        )
    return len(new)


def lessons_assign(*, patient: Patient, lessons: Iterable[Lesson]) -> int:
    """Assign lessons to a patient; already-assigned ones are left alone. Returns new count."""
    before = patient.lesson_assignments.count()
    LessonAssignment.objects.bulk_create(
        [LessonAssignment(patient=patient, lesson=lesson) for lesson in lessons],
        ignore_conflicts=True,
    )
    return patient.lesson_assignments.count() - before


def lesson_complete(
    *, assignment: LessonAssignment, now: datetime | None = None
) -> LessonAssignment:
    """Mark a lesson complete; completing it again keeps the first completion time."""
    if assignment.completed_at is None:
        assignment.completed_at = now or timezone.now()
        assignment.save(update_fields=["completed_at"])
    return assignment


@transaction.atomic
def red_flag_screen_record(
    *, patient: Patient, answers: dict[str, bool], now: datetime | None = None
) -> tuple[RedFlagScreen, ScreenResult]:
    """Store a screen; any 'yes' opens an urgent alert at once and pauses progression.

    Every question must be answered yes or no (ValidationError naming each missing one).
    """
    missing = [key for key in QUESTION_KEYS if not isinstance(answers.get(key), bool)]
    if missing:
        raise ValidationError({key: ["Answer yes or no."] for key in missing})
    result = evaluate_screen(answers)
    screen = RedFlagScreen.objects.create(
        patient=patient,
        answers={key: answers[key] for key in QUESTION_KEYS},
        positive=result.positive,
        emergency=result.emergency,
    )
    if result.positive:
        _open_red_flag_alert(patient=patient, result=result, now=now)
    return screen, result


def _open_red_flag_alert(*, patient: Patient, result: ScreenResult, now: datetime | None) -> None:
    from patients.tasks import notify_red_flag_alert
    from programs.models import WalkingProgram

    prefix = "EMERGENCY (possible cauda equina)" if result.emergency else "Red flag"
    alert, _ = alert_open(
        patient=patient,
        kind=Alert.Kind.RED_FLAG,
        severity=Alert.Severity.URGENT,
        message=f"{prefix}: {describe(result.positive_keys)}",
        now=now,
    )
    WalkingProgram.objects.filter(
        patient=patient, status__in=WalkingProgram.CURRENT_STATUSES
    ).update(progression_paused_for_red_flag=True)
    enqueue_on_commit(notify_red_flag_alert, alert.id)


def red_flag_alert_notify(*, alert_id: int, now: datetime | None = None) -> bool:
    """Email the therapist about an urgent alert. Returns False if it was already sent.

    Exactly once: the alert is claimed by a conditional UPDATE of notified_at first.
    """
    from django.core.mail import send_mail

    claimed = Alert.objects.filter(id=alert_id, notified_at__isnull=True).update(
        notified_at=now or timezone.now()
    )
    if claimed != 1:
        return False
    alert = Alert.objects.select_related("patient__user", "patient__therapist__user").get(
        id=alert_id
    )
    therapist_user = alert.patient.therapist.user
    send_mail(
        subject=f"[WalkRx] URGENT: red flag reported by {alert.patient.display_name}",
        message=(
            f"{alert.patient.display_name} answered yes to a red-flag question.\n\n"
            f"{alert.message}\n\nProgression is paused until you clear it in the admin."
        ),
        from_email=None,
        recipient_list=[therapist_user.email],
        fail_silently=False,
    )
    return True


PATIENT_USER_FIELDS = ("first_name", "last_name", "email")
PATIENT_FIELDS = (
    "date_of_birth",
    "timezone",
    "baseline_pain",
    "status",
    "medical_clearance_on",
    "therapist",
)


@transaction.atomic
def patient_update(*, patient: Patient, **fields) -> Patient:
    """Change a patient's profile (user names/email and patient fields).

    Raises ValidationError naming the bad fields; nothing is saved then. A new therapist
    must work at the patient's clinic.
    """
    unknown = set(fields) - set(PATIENT_USER_FIELDS) - set(PATIENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    therapist = fields.get("therapist")
    if therapist is not None and therapist.clinic_id != patient.clinic_id:
        raise ValidationError({"therapist": ["The therapist works at another clinic."]})
    user_fields = [f for f in fields if f in PATIENT_USER_FIELDS]
    patient_fields = [f for f in fields if f in PATIENT_FIELDS]
    for name in user_fields:
        setattr(patient.user, name, fields[name])
    for name in patient_fields:
        setattr(patient, name, fields[name])
    patient.user.full_clean(exclude=["password", "username"], validate_unique=False)
    patient.full_clean(exclude=["user", "clinic", "therapist"], validate_constraints=False)
    if "date_of_birth" in fields:
        _validate_date_of_birth(patient)
    status, stored_status = fields.get("status"), None
    if status is not None:
        stored_status = Patient.objects.filter(pk=patient.pk).values_list("status", flat=True).get()
    discharging = status == Patient.Status.DISCHARGED and stored_status != status
    # The daily watch judges active patients only: what it left open ends now.
    leaving_watch = stored_status == Patient.Status.ACTIVE and status != stored_status
    if user_fields:
        patient.user.save(update_fields=user_fields)
    if patient_fields:
        patient.save(update_fields=patient_fields)
    if discharging:
        questionnaires_schedule_discharge(patient=patient)
    if leaving_watch:
        from programs.services import pain_response_end  # programs builds on this module

        pain_response_end(patient=patient)
    return patient


def patient_invitation_send(*, patient: Patient, site_url: str) -> None:
    """Email the patient a link to set their password (sent after the transaction commits).

    ``site_url`` is the server's base URL (e.g. https://walkrx.example.org); the link opens
    Django's password-reset confirmation page.
    """
    from patients.tasks import send_patient_invitation

    enqueue_on_commit(send_patient_invitation, patient.id, site_url)


def patient_invitation_email(*, patient_id: int, site_url: str) -> bool:
    """Send the invitation email now. Returns False if the patient has no email address."""
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    patient = Patient.objects.select_related("user", "therapist__user", "clinic").get(id=patient_id)
    user = patient.user
    if not user.email:
        return False
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    send_mail(
        subject=f"[WalkRx] {patient.clinic.name} invites you to WalkRx",
        message=(
            f"Hello {user.get_full_name() or user.username},\n\n"
            f"{patient.therapist.display_name} has set up your walking program in WalkRx.\n"
            f"Your username is: {user.username}\n\n"
            f"Choose your password here:\n{site_url.rstrip('/')}{path}\n\n"
            "The link works once and expires after a few days."
        ),
        from_email=None,
        recipient_list=[user.email],
        fail_silently=False,
    )
    return True


def patient_onboard_complete(*, patient: Patient, now: datetime | None = None) -> Patient:
    """Mark the first-time screen as done; finishing it again keeps the first time."""
    if patient.onboarded_at is None:
        patient.onboarded_at = now or timezone.now()
        patient.save(update_fields=["onboarded_at"])
    return patient


# --- Outcome measures (PROMs) -------------------------------------------------

# Measures scheduled by default: at baseline, every interval and at discharge. STarT Back
# stratifies the patient, so it is asked at baseline only.
QUESTIONNAIRE_DEFAULT_MEASURES = ("odi", "nprs", "psfs")
QUESTIONNAIRE_BASELINE_ONLY = ("start_back",)
QUESTIONNAIRE_INTERVAL_DAYS = 28
QUESTIONNAIRE_DEFAULT_WEEKS = 26
# An answer completes a scheduled measure due up to this many days later.
QUESTIONNAIRE_EARLY_DAYS = 3
# STarT Back risk group -> (days between coaching check-ins, education intensity).
STRATIFIED_CARE = {
    "low": (28, "standard"),
    "medium": (14, "standard"),
    "high": (7, "enhanced"),
}


def questionnaire_schedule(
    *, patient: Patient, measure: str, due_on: date, reason: str
) -> tuple[QuestionnaireAssignment, bool]:
    """Schedule one measure for a local date; the same measure and date again is a no-op.

    Returns (assignment, created). ValidationError names a bad measure or reason.
    """
    errors = {}
    if measure not in MEASURES:
        errors["measure"] = [f"Unknown measure: {measure}."]
    if reason not in QuestionnaireAssignment.Reason.values:
        errors["reason"] = [f"Unknown reason: {reason}."]
    if errors:
        raise ValidationError(errors)
    return QuestionnaireAssignment.objects.get_or_create(
        patient=patient, measure=measure, due_on=due_on, defaults={"reason": reason}
    )


@transaction.atomic
def questionnaires_schedule_defaults(
    *, patient: Patient, start: date | None = None, now: datetime | None = None
) -> int:
    """Schedule the default measures: baseline at ``start``, then every 4 weeks to the end.

    The end is the current program's end date, else 26 weeks after ``start`` (default:
    the patient's today). Discharge measures are scheduled when the patient is discharged
    (patient_update). Idempotent; returns how many assignments were created.
    """
    from programs.selectors import current_program

    start = start or patient_today(patient=patient, now=now)
    program = current_program(patient=patient)
    end = (program.end_date if program and program.end_date else None) or start + timedelta(
        weeks=QUESTIONNAIRE_DEFAULT_WEEKS
    )
    rows = [
        (measure, start, QuestionnaireAssignment.Reason.BASELINE)
        for measure in QUESTIONNAIRE_DEFAULT_MEASURES + QUESTIONNAIRE_BASELINE_ONLY
    ]
    due = start + timedelta(days=QUESTIONNAIRE_INTERVAL_DAYS)
    while due <= end:
        rows += [
            (measure, due, QuestionnaireAssignment.Reason.INTERVAL)
            for measure in QUESTIONNAIRE_DEFAULT_MEASURES
        ]
        due += timedelta(days=QUESTIONNAIRE_INTERVAL_DAYS)
    return _questionnaires_bulk_schedule(patient=patient, rows=rows)


def _questionnaires_bulk_schedule(*, patient: Patient, rows: list[tuple[str, date, str]]) -> int:
    before = patient.questionnaire_assignments.count()
    QuestionnaireAssignment.objects.bulk_create(
        [
            QuestionnaireAssignment(patient=patient, measure=m, due_on=d, reason=r)
            for m, d, r in rows
        ],
        ignore_conflicts=True,
    )
    return patient.questionnaire_assignments.count() - before


def questionnaires_schedule_discharge(*, patient: Patient, now: datetime | None = None) -> int:
    """Schedule the default measures for today, reason discharge. Returns how many are new."""
    today = patient_today(patient=patient, now=now)
    rows = [
        (measure, today, QuestionnaireAssignment.Reason.DISCHARGE)
        for measure in QUESTIONNAIRE_DEFAULT_MEASURES
    ]
    return _questionnaires_bulk_schedule(patient=patient, rows=rows)


@transaction.atomic
def questionnaire_response_record(
    *, patient: Patient, measure: str, answers: dict, now: datetime | None = None
) -> QuestionnaireResponse:
    """Score and store a completed measure on the patient's local today.

    ValidationError names each bad or missing item (nothing saved). Completes the oldest
    open assignment of the measure due by today (or within QUESTIONNAIRE_EARLY_DAYS); a
    STarT Back response restratifies the patient (patient_stratification_apply).
    """
    if measure not in MEASURES:
        raise ValidationError({"measure": [f"Unknown measure: {measure}."]})
    try:
        result = score_answers(measure, answers)
        cleaned = clean_answers(measure, answers)
    except AnswerError as exc:
        raise ValidationError({key: [message] for key, message in exc.errors.items()}) from None
    today = patient_today(patient=patient, now=now)
    response = QuestionnaireResponse.objects.create(
        patient=patient,
        measure=measure,
        answered_on=today,
        answers=cleaned,
        score=result.score,
        band=result.band,
        subscale=result.subscale,
        items_answered=result.items_answered,
    )
    assignment = (
        QuestionnaireAssignment.objects.select_for_update()
        .filter(
            patient=patient,
            measure=measure,
            response__isnull=True,
            due_on__lte=today + timedelta(days=QUESTIONNAIRE_EARLY_DAYS),
        )
        .order_by("due_on")
        .first()
    )
    if assignment is not None:
        assignment.response = response
        assignment.save(update_fields=["response"])
    if measure == START_BACK:
        patient_stratification_apply(patient=patient, risk_group=result.band)
    return response


def patient_stratification_apply(*, patient: Patient, risk_group: str) -> Patient:
    """Record the STarT Back risk group and, unless the therapist overrode them, set the
    coaching check-in frequency and education intensity; high risk gets every lesson."""
    if risk_group not in STRATIFIED_CARE:
        raise ValidationError({"risk_group": [f"Unknown risk group: {risk_group}."]})
    patient.risk_group = risk_group
    fields = ["risk_group"]
    if not patient.stratification_overridden:
        patient.coaching_every_days, patient.education_intensity = STRATIFIED_CARE[risk_group]
        fields += ["coaching_every_days", "education_intensity"]
        if risk_group == "high":
            lessons_assign(patient=patient, lessons=Lesson.objects.all())
    patient.save(update_fields=fields)
    return patient


def patient_stratification_override(
    *, patient: Patient, coaching_every_days: int, education_intensity: str
) -> Patient:
    """The therapist sets coaching and education by hand; STarT Back no longer changes them."""
    if not 1 <= coaching_every_days <= 90:
        raise ValidationError({"coaching_every_days": ["Must be from 1 to 90 days."]})
    if education_intensity not in EducationIntensity.values:
        raise ValidationError({"education_intensity": ["Choose standard or enhanced."]})
    patient.coaching_every_days = coaching_every_days
    patient.education_intensity = education_intensity
    patient.stratification_overridden = True
    patient.save(
        update_fields=["coaching_every_days", "education_intensity", "stratification_overridden"]
    )
    return patient


@transaction.atomic
def questionnaire_text_load(*, clinic, measure: str, texts: dict) -> int:
    """Store a clinic's licensed item text for one measure (all or nothing).

    ``texts`` maps item keys to text. ValidationError names an unknown measure, unknown
    item keys or empty texts. Existing text for those items is replaced. Returns the count.
    """
    if measure not in MEASURES:
        raise ValidationError({"measure": [f"Unknown measure: {measure}."]})
    if not isinstance(texts, dict) or not texts:
        raise ValidationError({"texts": ["Give an object mapping item keys to text."]})
    keys = MEASURES[measure].item_keys
    errors = {}
    for key, text in texts.items():
        if key not in keys:
            errors[key] = [f"Unknown item for {measure}; expected one of {', '.join(keys)}."]
        elif not isinstance(text, str) or not text.strip() or len(text) > 2000:
            errors[key] = ["Give the item text (1-2000 characters)."]
    if errors:
        raise ValidationError(errors)
    for key, text in texts.items():
        QuestionnaireText.objects.update_or_create(
            clinic=clinic, measure=measure, item_key=key, defaults={"text": text.strip()}
        )
    return len(texts)
