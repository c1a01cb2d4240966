"""Writes for walking programs, their targets and walk logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import DateField, F, Value
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.conf import walkrx_setting
from clinic.models import Therapist
from clinic.timezones import local_date
from patients.models import Patient
from patients.services import patient_today, validate_patient_day
from programs.maintenance import month_start
from programs.models import (
    BoosterPrompt,
    CheckRun,
    DailySteps,
    PainResponse,
    ProgramTemplate,
    RecurrenceCheckIn,
    TargetChange,
    WalkingProgram,
    WalkLog,
)
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


@transaction.atomic
def pain_response_end(*, patient: Patient) -> int:
    """End the patient's open pain response (if any) at the last day the pain check judged.

    For a patient the check stops judging (paused or discharged): their response would
    otherwise stay open, and read as holding on days no check looked at. It held on the
    last day checked (a check that found it no longer held would have ended it). The
    patient's pain claim is locked first: a check under way that moves it holds it until it
    commits, so this waits for it, then ends what it left at the day it checked (a
    patient's first check inserts the claim, and that insert is not waited for). Returns
    the responses ended (0 or 1).
    """
    last_checked = (
        CheckRun.objects.select_for_update()
        .filter(patient=patient, kind=CheckRun.Kind.PAIN)
        .values_list("day", flat=True)
        .first()
    )
    last_day = F("first_day")
    if last_checked is not None:
        last_day = Greatest(last_day, Value(last_checked, output_field=DateField()))
    return PainResponse.objects.filter(patient=patient, last_day__isnull=True).update(
        last_day=last_day
    )


# --- maintenance and recurrence -------------------------------------------


def enter_maintenance(program: WalkingProgram, *, day: date, note: str = "") -> TargetChange:
    """Move a program into maintenance in memory; returns its unsaved history row.

    The target is held where it is (a program in its flare-up plan goes back to its
    pre-flare target), the planned end date is cleared so the maintenance target stays
    prescribed, and progression stops. Shared by program_start_maintenance and the
    daily watch's bulk transition, so both write the same thing.
    """
    if program.status == WalkingProgram.Status.FLARE_UP:
        program.sessions_per_day = program.pre_flare_sessions_per_day or program.sessions_per_day
        program.minutes_per_session = min(
            program.pre_flare_minutes_per_session or program.minutes_per_session,
            program.max_minutes_per_session,
        )
        program.status = WalkingProgram.Status.ACTIVE
    program.pre_flare_sessions_per_day = program.pre_flare_minutes_per_session = None
    program.pre_flare_pain = None
    program.phase = WalkingProgram.Phase.MAINTENANCE
    program.maintenance_started_on = day
    program.end_date = None
    return TargetChange(
        program=program,
        effective_on=day,
        sessions_per_day=program.sessions_per_day,
        minutes_per_session=program.minutes_per_session,
        days_per_week=program.days_per_week,
        reason=TargetChange.Reason.MAINTENANCE,
        note=note[:300],
    )


MAINTENANCE_FIELDS = [
    "sessions_per_day",
    "minutes_per_session",
    "status",
    "pre_flare_sessions_per_day",
    "pre_flare_minutes_per_session",
    "pre_flare_pain",
    "phase",
    "maintenance_started_on",
    "end_date",
]


@transaction.atomic
def program_start_maintenance(
    *,
    program: WalkingProgram,
    day: date,
    changed_by: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> WalkingProgram:
    """End the active phase: hold the target, stop progression, start monthly check-ins.

    ``day`` is the patient's local first day of maintenance (not before the program's
    start, not in the future). Raises ValidationError naming the field; nothing saved.
    """
    if not program.is_current:
        raise ValidationError({"program": ["Only a current program can move to maintenance."]})
    if program.in_maintenance:
        raise ValidationError({"phase": ["The program is already in maintenance."]})
    if day < program.start_date:
        raise ValidationError({"day": ["Cannot be before the program's start date."]})
    if day > patient_today(patient=program.patient, now=now):
        raise ValidationError({"day": ["Cannot be in the future."]})
    row = enter_maintenance(program, day=day, note="Active phase ended: target held.")
    row.changed_by = changed_by
    program.save(update_fields=MAINTENANCE_FIELDS)
    row.save()
    return program


@transaction.atomic
def recurrence_checkin_record(
    *,
    patient: Patient,
    had_episode: bool,
    episode_started_on: date | None = None,
    sought_care: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> tuple[RecurrenceCheckIn, bool]:
    """Record this local month's recurrence check-in; a second one replaces the first.

    Only in maintenance. An episode needs its start date, not in the future and not
    before maintenance began. Returns (check-in, created); ValidationError otherwise.
    """
    program = current_program(patient=patient)
    if program is None or not program.in_maintenance:
        raise ValidationError(
            {"non_field_errors": ["Recurrence check-ins start with the maintenance phase."]}
        )
    today = patient_today(patient=patient, now=now)
    _validate_episode(
        had_episode, episode_started_on, today=today, since=program.maintenance_started_on
    )
    month = month_start(today)
    checkin = RecurrenceCheckIn.objects.filter(patient=patient, month=month).first()
    created = checkin is None
    checkin = checkin or RecurrenceCheckIn(patient=patient, month=month)
    checkin.had_episode = had_episode
    checkin.episode_started_on = episode_started_on if had_episode else None
    checkin.sought_care = sought_care if had_episode else False
    checkin.note = note
    checkin.full_clean(exclude=["patient"], validate_constraints=False)
    checkin.save()
    return checkin, created


def _validate_episode(
    had_episode: bool, started_on: date | None, *, today: date, since: date
) -> None:
    if not had_episode:
        return
    if started_on is None:
        raise ValidationError({"episode_started_on": ["Say when the episode started."]})
    if started_on > today:
        raise ValidationError({"episode_started_on": ["Cannot be in the future."]})
    if started_on < since:
        raise ValidationError(
            {"episode_started_on": [f"Cannot be before maintenance began ({since:%d %b %Y})."]}
        )


def booster_prompt_dismiss(*, prompt: BoosterPrompt, now: datetime | None = None) -> BoosterPrompt:
    """The patient has seen the booster prompt. Dismissing twice changes nothing."""
    if prompt.dismissed_at is None:
        prompt.dismissed_at = now or timezone.now()
        prompt.save(update_fields=["dismissed_at"])
    return prompt


def booster_prompt_email(*, prompt_id: int, now: datetime | None = None) -> bool:
    """Email the patient their booster prompt, exactly once. Returns whether it was sent.

    The conditional update is the claim: a retry or a second worker finds emailed_at set
    and sends nothing. If the send fails the claim is released, so a retry sends it.
    """
    now = now or timezone.now()
    if not BoosterPrompt.objects.filter(id=prompt_id, emailed_at__isnull=True).update(
        emailed_at=now
    ):
        return False
    prompt = BoosterPrompt.objects.select_related("patient__user").get(id=prompt_id)
    email = prompt.patient.user.email
    if not email:
        return False
    try:
        EmailMessage(
            subject="WalkRx: a nudge to keep walking",
            body=render_to_string("programs/emails/booster_prompt.txt", {"prompt": prompt}),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
        ).send()
    except Exception:
        BoosterPrompt.objects.filter(id=prompt_id).update(emailed_at=None)
        raise
    return True


@dataclass(frozen=True)
class ImportResult:
    days_created: int
    days_updated: int
    walks_created: int
    skipped_duplicates: int
    skipped_out_of_range: int


@transaction.atomic
def steps_import(
    *, patient: Patient, fmt: str, fileobj: IO[bytes], now: datetime | None = None
) -> ImportResult:
    """Import a step-data file: daily totals upserted, walking workouts added once.

    The whole file is parsed before anything is written: a malformed file raises a
    ValidationError on ``file`` naming the line or record, and nothing is saved.
    Re-importing the same file changes nothing. Days in the future or older than
    STEPS_IMPORT_HISTORY_DAYS are skipped (counted in ``skipped_out_of_range``).
    """
    from programs.imports import ImportFormatError, parse_step_file

    if fmt not in DAILY_STEP_SOURCES:
        raise ValidationError({"format": [f"Unknown format '{fmt}'."]})
    try:
        parsed = parse_step_file(fmt, fileobj, tz_name=patient.timezone)
    except ImportFormatError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    today = patient_today(patient=patient, now=now)
    earliest = today - timedelta(days=walkrx_setting("STEPS_IMPORT_HISTORY_DAYS"))
    days = [d for d in parsed.days if earliest <= d.date <= today]
    workouts = [
        w
        for w in parsed.workouts
        if earliest <= local_date(w.started_at, patient.timezone) <= today
    ]
    skipped = len(parsed.days) - len(days) + len(parsed.workouts) - len(workouts)
    created, updated, same_days = _upsert_daily_steps(patient, DAILY_STEP_SOURCES[fmt], days)
    walks_created, same_walks = _create_imported_walks(patient, workouts)
    return ImportResult(
        days_created=created,
        days_updated=updated,
        walks_created=walks_created,
        skipped_duplicates=same_days + same_walks,
        skipped_out_of_range=skipped,
    )


DAILY_STEP_SOURCES = {
    "apple_health": DailySteps.Source.APPLE_HEALTH,
    "fitbit_json": DailySteps.Source.FITBIT,
    "fitbit_csv": DailySteps.Source.FITBIT,
    "csv": DailySteps.Source.CSV,
    "fhir": DailySteps.Source.FHIR,
}


def _upsert_daily_steps(patient: Patient, source: str, days: list) -> tuple[int, int, int]:
    """(created, updated, unchanged) DailySteps rows for one source; 3 queries at most."""
    existing = {
        row.date: row
        for row in DailySteps.objects.filter(
            patient=patient, source=source, date__in=[d.date for d in days]
        )
    }
    new = [
        DailySteps(patient=patient, date=d.date, steps=d.steps, source=source)
        for d in days
        if d.date not in existing
    ]
    changed = []
    for d in days:
        row = existing.get(d.date)
        if row is not None and row.steps != d.steps:
            row.steps = d.steps
            row.updated_at = timezone.now()
            changed.append(row)
    DailySteps.objects.bulk_create(new)
    DailySteps.objects.bulk_update(changed, ["steps", "updated_at"])
    return len(new), len(changed), len(days) - len(new) - len(changed)


def _create_imported_walks(patient: Patient, workouts: list) -> tuple[int, int]:
    """(created, already there) walks for imported workouts; pains stay empty."""
    ids = {w.external_id for w in workouts}
    existing = set(
        WalkLog.objects.filter(patient=patient, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    program = current_program(patient=patient) if len(ids - existing) else None
    new: dict[str, WalkLog] = {}
    for w in workouts:
        if w.external_id in existing or w.external_id in new:
            continue
        new[w.external_id] = WalkLog(
            patient=patient,
            program=program,
            started_at=w.started_at,
            local_date=local_date(w.started_at, patient.timezone),
            duration_minutes=w.duration_minutes,
            kind=WalkLog.Kind.OUTDOOR,
            talk_test=WalkLog.TalkTest.BRISK,
            pain_before=None,
            pain_after=None,
            steps=w.steps,
            distance_m=w.distance_m,
            note="Imported from a step-data file.",
            external_id=w.external_id,
        )
    WalkLog.objects.bulk_create(new.values())
    return len(new), len(workouts) - len(new)
