"""Writes for walking programs, their targets and walk logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.conf import walkrx_setting
from clinic.models import Therapist
from clinic.timezones import local_date
from patients.models import Patient
from patients.services import patient_today, validate_patient_day
from programs.models import ProgramTemplate, TargetChange, WalkingProgram, WalkLog
from programs.selectors import current_program

PROGRAM_FIELDS = (
    "sessions_per_day",
    "days_per_week",
    "minutes_per_session",
    "increment_minutes",
    "increment_every_days",
    "max_minutes_per_session",
    "intensity",
    "indoor_allowed",
)


def program_defaults_from_template(template: ProgramTemplate) -> dict:
    """The prescription fields a template starts a program with."""
    return {field: getattr(template, field) for field in PROGRAM_FIELDS}


@transaction.atomic
def program_prescribe(
    *,
    patient: Patient,
    therapist: Therapist,
    start_date: date,
    template: ProgramTemplate | None = None,
    changed_by: AbstractBaseUser | None = None,
    end_date: date | None = None,
    **fields,
) -> WalkingProgram:
    """Start a patient's program (from a template, overridden by ``fields``).

    Raises ValidationError if the patient already has a current program or the
    prescription is invalid; nothing is saved then.
    """
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown program fields: {sorted(unknown)}")
    if therapist.clinic_id != patient.clinic_id:
        raise ValidationError({"therapist": ["The therapist works at another clinic."]})
    values = program_defaults_from_template(template) if template else {}
    values.update(fields)
    program = WalkingProgram(
        patient=patient,
        therapist=therapist,
        template=template,
        start_date=start_date,
        end_date=end_date,
        **values,
    )
    program.full_clean(exclude=["patient", "therapist", "template"], validate_constraints=False)
    _validate_program_rules(program)
    if WalkingProgram.objects.filter(
        patient=patient, status__in=WalkingProgram.CURRENT_STATUSES
    ).exists():
        raise ValidationError({"patient": ["The patient already has a current program."]})
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError as exc:
        raise ValidationError({"patient": ["The patient already has a current program."]}) from exc
    _record_target(
        program,
        effective_on=start_date,
        reason=TargetChange.Reason.PRESCRIBED,
        changed_by=changed_by,
    )
    return program


def _validate_program_rules(program: WalkingProgram) -> None:
    errors = {}
    if program.minutes_per_session > program.max_minutes_per_session:
        errors["minutes_per_session"] = ["Cannot be more than the maximum minutes per session."]
    if program.end_date and program.end_date < program.start_date:
        errors["end_date"] = ["Cannot be before the start date."]
    if errors:
        raise ValidationError(errors)


def _record_target(
    program: WalkingProgram,
    *,
    effective_on: date,
    reason: str,
    note: str = "",
    changed_by: AbstractBaseUser | None = None,
) -> TargetChange:
    return TargetChange.objects.create(
        program=program,
        effective_on=effective_on,
        sessions_per_day=program.sessions_per_day,
        minutes_per_session=program.minutes_per_session,
        days_per_week=program.days_per_week,
        reason=reason,
        note=note,
        changed_by=changed_by,
    )


@transaction.atomic
def program_update(
    *,
    program: WalkingProgram,
    changed_by: AbstractBaseUser | None,
    effective_on: date | None = None,
    reason: str = TargetChange.Reason.THERAPIST_EDIT,
    note: str = "",
    **fields,
) -> WalkingProgram:
    """Change a prescription; a change of target adds a history row with its reason."""
    unknown = set(fields) - set(PROGRAM_FIELDS) - {"end_date", "progression_locked", "status"}
    if unknown:
        raise TypeError(f"Unknown program fields: {sorted(unknown)}")
    before = (program.sessions_per_day, program.minutes_per_session, program.days_per_week)
    for name, value in fields.items():
        setattr(program, name, value)
    program.full_clean(exclude=["patient", "therapist", "template"], validate_constraints=False)
    _validate_program_rules(program)
    program.save(update_fields=list(fields) or None)
    after = (program.sessions_per_day, program.minutes_per_session, program.days_per_week)
    if after != before:
        effective_on = effective_on or patient_today(patient=program.patient)
        _record_target(
            program, effective_on=effective_on, reason=reason, note=note, changed_by=changed_by
        )
    return program


def program_set_target(
    *,
    program: WalkingProgram,
    sessions_per_day: int,
    minutes_per_session: int,
    effective_on: date,
    reason: str,
    note: str = "",
    changed_by: AbstractBaseUser | None = None,
) -> TargetChange:
    """Set the current target (progression, hold, step back) and record why.

    The target never exceeds the program's maximum and never falls below one minute.
    A hold records a history row without changing the numbers.
    """
    minutes = max(1, min(minutes_per_session, program.max_minutes_per_session))
    program.sessions_per_day = max(1, sessions_per_day)
    program.minutes_per_session = minutes
    program.save(update_fields=["sessions_per_day", "minutes_per_session"])
    return _record_target(
        program, effective_on=effective_on, reason=reason, note=note, changed_by=changed_by
    )


@dataclass(frozen=True)
class WalkIn:
    started_at: datetime
    duration_minutes: int
    kind: str = WalkLog.Kind.OUTDOOR
    talk_test: str = WalkLog.TalkTest.BRISK
    pain_before: int = 0
    pain_after: int = 0
    steps: int | None = None
    distance_m: int | None = None
    note: str = ""


def walk_log_create(*, patient: Patient, walk: WalkIn, now: datetime | None = None) -> WalkLog:
    """Log a walk on the patient's local day. Raises ValidationError, nothing saved."""
    log = WalkLog(patient=patient)
    _apply_walk(log, walk, now=now)
    log.program = current_program(patient=patient)
    log.save()
    return log


def walk_log_update(*, log: WalkLog, walk: WalkIn, now: datetime | None = None) -> WalkLog:
    """Change a walk while it is still editable (24 hours after logging, configurable)."""
    ensure_walk_editable(log=log, now=now)
    _apply_walk(log, walk, now=now)
    log.save()
    return log


def walk_log_delete(*, log: WalkLog, now: datetime | None = None) -> None:
    ensure_walk_editable(log=log, now=now)
    log.delete()


def ensure_walk_editable(*, log: WalkLog, now: datetime | None = None) -> None:
    window = walkrx_setting("WALK_EDIT_WINDOW")
    if (now or timezone.now()) - log.created_at > window:
        hours = int(window.total_seconds() // 3600)
        raise ValidationError(
            {"non_field_errors": [f"Walks can be changed only within {hours} hours of logging."]}
        )


def validate_walk_started_at(
    *, patient: Patient, started_at: datetime, now: datetime | None = None
) -> date:
    """An aware start, not in the future, within the backdating window. Returns its local date."""
    now = now or timezone.now()
    if timezone.is_naive(started_at):
        raise ValidationError({"started_at": ["Include a time-zone offset."]})
    if started_at > now:
        raise ValidationError({"started_at": ["A walk cannot start in the future."]})
    day = local_date(started_at, patient.timezone)
    validate_patient_day(patient=patient, day=day, field="started_at", now=now)
    return day


def _apply_walk(log: WalkLog, walk: WalkIn, *, now: datetime | None) -> None:
    now = now or timezone.now()
    log.local_date = validate_walk_started_at(
        patient=log.patient, started_at=walk.started_at, now=now
    )
    for name, value in walk.__dict__.items():
        setattr(log, name, value)
    log.full_clean(exclude=["patient", "program"], validate_constraints=False)


def program_clear_red_flag_pause(
    *, program: WalkingProgram, changed_by: AbstractBaseUser | None = None
) -> WalkingProgram:
    """A therapist has reviewed the red flag: progression may resume. Idempotent."""
    if program.progression_paused_for_red_flag:
        program.progression_paused_for_red_flag = False
        program.save(update_fields=["progression_paused_for_red_flag"])
    return program
