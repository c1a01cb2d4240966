"""Synthetic demo clinics: therapists, patients, programs, walks and pain, bulk-inserted.

Everything here is made up and reproducible: one ``random.Random(seed)`` drives it all.
Each demo patient follows one of four trajectories (``Trajectory``) whose last two
weeks are shaped so the daily checks treat them as intended: adherent patients raise
no alert, drifting patients miss sessions, flaring patients report a flare-up.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import islice
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.models import Clinic, Therapist
from clinic.services import THERAPIST_GROUP
from clinic.timezones import local_date
from patients.models import Alert, Lesson, LessonAssignment, PainCheckIn, Patient
from programs.models import (
    ProgramTemplate,
    RecurrenceCheckIn,
    TargetChange,
    WalkingProgram,
    WalkLog,
)
from programs.services import program_defaults_from_template

DEMO_PASSWORD = "walkrx-demo"  # noqa: S105 - printed on purpose: synthetic demo accounts
# Marks every user the generator creates, so --reset never touches real accounts.
DEMO_EMAIL_DOMAIN = "demo.walkrx.invalid"
DEMO_CLINICS = (
    ("WalkRx Demo Clinic London", "Europe/London"),
    ("WalkRx Demo Clinic New York", "America/New_York"),
)
ARTICLE_TEMPLATE = "Walk twice a day (article)"
WALKBACK_TEMPLATE = "WalkBack (5+ days a week, 6 months)"
MIN_DAYS = 14
WALK_COLUMNS = (
    "started_at", "local_date", "duration_minutes", "kind", "talk_test", "pain_before",
    "pain_after", "steps", "distance_m", "note", "created_at",
)  # fmt: skip
CHECKIN_COLUMNS = ("date", "score", "flare_up", "triggers", "note", "created_at", "updated_at")
TALK_TESTS = (
    WalkLog.TalkTest.BRISK.value,
    WalkLog.TalkTest.BRISK.value,
    WalkLog.TalkTest.EASY.value,
)
BATCH_SIZE = 1000
# Patients generated and inserted per progress-bar step.
CHUNK_SIZE = 100


class Trajectory(StrEnum):
    ADHERENT = "adherent"  # walks nearly every prescribed session, pain falling
    DRIFTING = "drifting"  # good first weeks, then stops walking in the last 5+ days
    FLARING = "flaring"  # adherent until a flare-up (pain 8+) in the last few days
    INDOOR = "indoor"  # adherent, but every session is marching in place indoors


# The fixed mix, repeated: 40% adherent, 20% each of the others. The first four
# patients cover every trajectory, so even a tiny demo shows all of them.
TRAJECTORY_CYCLE = (
    Trajectory.ADHERENT,
    Trajectory.DRIFTING,
    Trajectory.FLARING,
    Trajectory.INDOOR,
    Trajectory.ADHERENT,
    Trajectory.ADHERENT,
    Trajectory.DRIFTING,
    Trajectory.ADHERENT,
    Trajectory.FLARING,
    Trajectory.INDOOR,
)

FIRST_NAMES = (
    "Amara", "Ben", "Chloe", "Dev", "Elena", "Finn", "Grace", "Hamid", "Isla", "Jonah",
    "Kofi", "Lena", "Marek", "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Sami", "Tess",
    "Uma", "Victor", "Wren", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Banerjee", "Carvalho", "Doyle", "Eriksen", "Fischer", "Gallagher", "Huang",
    "Ibrahim", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Patel",
    "Quinlan", "Rossi", "Santos", "Thompson", "Ulrich", "Varga", "Walsh", "Yilmaz", "Zeller",
)  # fmt: skip


# Positions in the mix (both adherent) whose patients are in maintenance; position 0
# is the first patient, so every demo has one.
MAINTENANCE_POSITIONS = (0, 5)


def trajectory_for(index: int) -> Trajectory:
    """The trajectory of the demo patient with this 0-based index (the fixed mix)."""
    return TRAJECTORY_CYCLE[index % len(TRAJECTORY_CYCLE)]


def therapists_per_clinic(patients: int) -> int:
    """A few therapists per clinic: about 15 patients each, between 2 and 10."""
    return max(2, min(10, math.ceil(patients / len(DEMO_CLINICS) / 15)))


@dataclass(frozen=True)
class Credential:
    username: str
    password: str
    role: str


@dataclass(frozen=True)
class DemoPatient:
    username: str
    trajectory: Trajectory
    clinic: str
    template: str


@dataclass
class DemoSummary:
    clinics: int = 0
    therapists: int = 0
    patients: list[DemoPatient] = field(default_factory=list)
    walks: int = 0
    checkins: int = 0
    target_changes: int = 0
    lesson_assignments: int = 0
    credentials: list[Credential] = field(default_factory=list)
    deleted_users: int = 0

    def count_by_trajectory(self) -> dict[Trajectory, int]:
        counts = dict.fromkeys(Trajectory, 0)
        for patient in self.patients:
            counts[patient.trajectory] += 1
        return counts


class DemoDataError(Exception):
    """The demo cannot be generated as asked (bad options, clashing data)."""


def _insert_rows(model, fields: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """INSERT plain value tuples in batches of BATCH_SIZE; returns the rows inserted.

    For the two big tables (walks, check-ins) bulk_create's per-instance and per-field
    preparation cost most of the run (measured ~50 s CPU for 1,000 patients x 90 days),
    so rows skip model instances and only dates, datetimes and JSON are adapted.
    """
    connection = connections[router.db_for_write(model)]
    model_fields = [model._meta.get_field(name) for name in fields]
    adapters = [_adapter(f, connection) for f in model_fields]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - quoted model names
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in model_fields),
        ", ".join(["%s"] * len(fields)),
    )
    total = 0
    rows = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(rows, BATCH_SIZE)):
            params = [
                tuple(a(v) if a else v for a, v in zip(adapters, row, strict=True)) for row in batch
            ]
            cursor.executemany(sql, params)
            total += len(batch)
    return total


def _adapter(field, connection) -> Callable | None:
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def demo_data_exists() -> bool:
    """Whether any clinic exists (``seed_demo --if-empty`` then does nothing)."""
    return Clinic.objects.exists()


def _demo_users():
    return get_user_model().objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}")


@transaction.atomic
def demo_data_delete() -> int:
    """Delete the demo clinics, their people and data, and the demo users.

    Returns the number of users deleted. Other clinics and users are left alone;
    bulk deletes keep a reset of a large demo fast.
    """
    clinics = Clinic.objects.filter(name__in=[name for name, _ in DEMO_CLINICS])
    patients = Patient.objects.filter(clinic__in=clinics)
    WalkLog.objects.filter(patient__in=patients).delete()
    PainCheckIn.objects.filter(patient__in=patients).delete()
    LessonAssignment.objects.filter(patient__in=patients).delete()
    Alert.objects.filter(patient__in=patients).delete()
    TargetChange.objects.filter(program__patient__in=patients).delete()
    WalkingProgram.objects.filter(
        Q(patient__in=patients) | Q(therapist__clinic__in=clinics)
    ).delete()
    ProgramTemplate.objects.filter(clinic__in=clinics).delete()
    users = get_user_model().objects.filter(
        Q(patient__in=patients) | Q(therapist__clinic__in=clinics) | Q(id__in=_demo_users())
    )
    user_ids = list(users.values_list("id", flat=True))
    patients.delete()
    Therapist.objects.filter(clinic__in=clinics).delete()
    deleted = get_user_model().objects.filter(id__in=user_ids).delete()[1]
    clinics.delete()
    return deleted.get(get_user_model()._meta.label, 0)


def demo_options_validate(*, patients: int, days: int) -> None:
    """Raise DemoDataError naming the option when the demo cannot be built as asked."""
    if patients < 1:
        raise DemoDataError(f"--patients must be at least 1 (got {patients}).")
    if days < MIN_DAYS:
        raise DemoDataError(
            f"--days must be at least {MIN_DAYS} (got {days}): the trajectories need two weeks."
        )


def demo_data_create(
    *,
    patients: int = 40,
    days: int = 90,
    seed: int = 2024,
    reset: bool = False,
    now: datetime | None = None,
    progress: Callable[[int], object] | None = None,
) -> DemoSummary:
    """Create the demo clinics, staff and ``patients`` patients with ``days`` of history.

    All or nothing (one transaction, including the ``reset`` of an earlier demo).
    Deterministic for a given seed and date.
    Raises DemoDataError on bad options or when demo usernames are already taken.
    ``progress`` is called with the number of patients done after each chunk (tqdm's update).
    """
    demo_options_validate(patients=patients, days=days)
    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    with transaction.atomic():
        deleted_users = demo_data_delete() if reset else 0
        builder = _DemoBuilder(rng=rng, now=now, days=days, patients=patients)
        builder.check_free()
        builder.create_staff()
        for start in range(0, patients, CHUNK_SIZE):
            chunk = range(start, min(start + CHUNK_SIZE, patients))
            builder.create_patients(chunk)
            if progress is not None:
                progress(len(chunk))
        builder.finish()
    builder.summary.deleted_users = deleted_users
    return builder.summary


@dataclass
class _PatientPlan:
    """One patient's generated rows, before their ids are known."""

    trajectory: Trajectory
    program: WalkingProgram
    changes: list[TargetChange]
    walks: list[tuple]  # WALK_COLUMNS
    checkins: list[tuple]  # CHECKIN_COLUMNS
    lessons: list[LessonAssignment]
    recurrence: list[RecurrenceCheckIn] = field(default_factory=list)


class _DemoBuilder:
    def __init__(self, *, rng: random.Random, now: datetime, days: int, patients: int) -> None:
        self.rng, self.now, self.days, self.patient_count = rng, now, days, patients
        self.summary = DemoSummary()
        self.password_hash = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow
        self.templates = {t.name: t for t in ProgramTemplate.objects.filter(clinic=None)}
        missing = {ARTICLE_TEMPLATE, WALKBACK_TEMPLATE} - set(self.templates)
        if missing:
            raise DemoDataError(f"Shipped program templates missing: {sorted(missing)}.")
        self.lessons = {lesson.slug: lesson for lesson in Lesson.objects.all()}
        self.user_model = get_user_model()
        self.clinics: list[Clinic] = []
        self.therapists: dict[int, list[Therapist]] = {}

    # --- staff ------------------------------------------------------------
    def planned_staff_usernames(self) -> list[str]:
        count = therapists_per_clinic(self.patient_count) * len(DEMO_CLINICS)
        return ["admin", *(f"therapist{n}" for n in range(1, count + 1))]

    def check_free(self) -> None:
        names = self.planned_staff_usernames() + [
            f"patient{n}" for n in range(1, self.patient_count + 1)
        ]
        taken = set()
        for start in range(0, len(names), BATCH_SIZE):
            taken.update(
                self.user_model.objects.filter(
                    username__in=names[start : start + BATCH_SIZE]
                ).values_list("username", flat=True)
            )
        clinics = Clinic.objects.filter(name__in=[name for name, _ in DEMO_CLINICS]).exists()
        if taken or clinics:
            sample = ", ".join(sorted(taken)[:5]) or "the demo clinics"
            raise DemoDataError(f"Demo data already exists ({sample}); use --reset to replace it.")

    def create_staff(self) -> None:
        self.clinics = [Clinic.objects.create(name=n, timezone=tz) for n, tz in DEMO_CLINICS]
        admin = self._user("admin", "Ada", "Admin", is_staff=True, is_superuser=True)
        admin.save()
        self.summary.credentials.append(Credential("admin", DEMO_PASSWORD, "superuser"))
        per_clinic = therapists_per_clinic(self.patient_count)
        users = []
        for n in range(1, per_clinic * len(self.clinics) + 1):
            first, last = self._name()
            users.append(self._user(f"therapist{n}", first, last, is_staff=True))
        users = self.user_model.objects.bulk_create(users, batch_size=BATCH_SIZE)
        group, _ = Group.objects.get_or_create(name=THERAPIST_GROUP)
        self.user_model.groups.through.objects.bulk_create(
            [self.user_model.groups.through(user_id=u.id, group_id=group.id) for u in users]
        )
        therapists = [
            Therapist(
                user=user,
                clinic=self.clinics[i // per_clinic],
                is_clinic_admin=i % per_clinic == 0,
            )
            for i, user in enumerate(users)
        ]
        Therapist.objects.bulk_create(therapists, batch_size=BATCH_SIZE)
        for therapist in therapists:
            self.therapists.setdefault(therapist.clinic_id, []).append(therapist)
            role = f"therapist, {therapist.clinic.name}"
            self.summary.credentials.append(
                Credential(therapist.user.username, DEMO_PASSWORD, role)
            )
        self.summary.clinics = len(self.clinics)
        self.summary.therapists = len(therapists)

    def _user(self, username: str, first: str, last: str, **flags):
        return self.user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            password=self.password_hash,
            **flags,
        )

    def _name(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    # --- patients ---------------------------------------------------------
    def create_patients(self, indexes: range) -> None:
        users = []
        for index in indexes:
            first, last = self._name()
            users.append(self._user(f"patient{index + 1}", first, last))
        users = self.user_model.objects.bulk_create(users, batch_size=BATCH_SIZE)
        patients = [self._patient(index, user) for index, user in zip(indexes, users, strict=True)]
        Patient.objects.bulk_create(patients, batch_size=BATCH_SIZE)
        plans = [self._plan(index, p) for index, p in zip(indexes, patients, strict=True)]
        WalkingProgram.objects.bulk_create([p.program for p in plans], batch_size=BATCH_SIZE)
        for plan in plans:
            for row in plan.changes:
                row.program = plan.program
        self._bulk(TargetChange, (row for plan in plans for row in plan.changes))
        _insert_rows(
            WalkLog,
            ("patient", "program", *WALK_COLUMNS),
            ((p.program.patient_id, p.program.id, *row) for p in plans for row in p.walks),
        )
        _insert_rows(
            PainCheckIn,
            ("patient", *CHECKIN_COLUMNS),
            ((p.program.patient_id, *row) for p in plans for row in p.checkins),
        )
        self._bulk(LessonAssignment, (row for plan in plans for row in plan.lessons))
        self._bulk(RecurrenceCheckIn, (row for plan in plans for row in plan.recurrence))
        self.summary.target_changes += sum(len(p.changes) for p in plans)
        self.summary.walks += sum(len(p.walks) for p in plans)
        self.summary.checkins += sum(len(p.checkins) for p in plans)
        self.summary.lesson_assignments += sum(len(p.lessons) for p in plans)
        self.summary.patients.extend(
            DemoPatient(
                username=patient.user.username,
                trajectory=plan.trajectory,
                clinic=patient.clinic.name,
                template=plan.program.template.name,
            )
            for patient, plan in zip(patients, plans, strict=True)
        )

    @staticmethod
    def _bulk(model, rows: Iterable) -> None:
        model.objects.bulk_create(list(rows), batch_size=BATCH_SIZE)

    def _patient(self, index: int, user) -> Patient:
        clinic = self.clinics[index % len(self.clinics)]
        staff = self.therapists[clinic.id]
        start = local_date(self.now, clinic.timezone) - timedelta(days=self.days)
        return Patient(
            user=user,
            clinic=clinic,
            therapist=staff[(index // len(self.clinics)) % len(staff)],
            date_of_birth=date(self.rng.randint(1950, 2000), self.rng.randint(1, 12), 15),
            timezone=clinic.timezone,
            baseline_pain=self.rng.randint(5, 7),
            medical_clearance_on=start - timedelta(days=self.rng.randint(3, 20)),
            onboarded_at=self.now - timedelta(days=self.days, hours=self.rng.randint(1, 8)),
        )

    def _plan(self, index: int, patient: Patient) -> _PatientPlan:
        trajectory = trajectory_for(index)
        template = self.templates[ARTICLE_TEMPLATE if index % 3 != 2 else WALKBACK_TEMPLATE]
        plan = _TrajectoryPlan(
            rng=self.rng,
            trajectory=trajectory,
            patient=patient,
            template=template,
            today=local_date(self.now, patient.timezone),
            days=self.days,
            maintenance_index=index + 1 if index % 10 in MAINTENANCE_POSITIONS else 0,
        )
        program, changes = plan.program_and_history()
        walks, checkins = plan.walks_and_checkins(changes)
        return _PatientPlan(
            trajectory=trajectory,
            program=program,
            changes=changes,
            walks=walks,
            checkins=checkins,
            lessons=self._lessons(patient, template, trajectory, program.start_date),
            recurrence=plan.recurrence_checkins(program),
        )

    def _lessons(
        self, patient: Patient, template: ProgramTemplate, trajectory: Trajectory, start: date
    ) -> list[LessonAssignment]:
        if template.includes_education:
            slugs = list(self.lessons)
        else:
            slugs = ["pain-is-not-damage", "pacing"]
            if trajectory == Trajectory.FLARING:
                slugs.append("flare-up-plan")
        rows = []
        for slug in slugs:
            if slug not in self.lessons:
                continue
            done = trajectory != Trajectory.DRIFTING and self.rng.random() < 0.7
            completed = datetime.combine(
                start + timedelta(days=self.rng.randint(1, MIN_DAYS - 1)),
                time(20, self.rng.randint(0, 59)),
                tzinfo=ZoneInfo(patient.timezone),
            )
            rows.append(
                LessonAssignment(
                    patient=patient,
                    lesson=self.lessons[slug],
                    completed_at=completed if done else None,
                )
            )
        return rows

    def finish(self) -> None:
        """Backdate the audit timestamps that auto_now_add set to 'now' during the insert."""
        demo_patients = Patient.objects.filter(clinic__in=self.clinics)
        # Lessons were assigned when the program started (one UPDATE).
        LessonAssignment.objects.filter(patient__in=demo_patients).update(
            assigned_at=self.now - timedelta(days=self.days)
        )


class _TrajectoryPlan:
    """One patient's program history, walks and check-ins (pure: no queries)."""

    def __init__(
        self,
        *,
        rng: random.Random,
        trajectory: Trajectory,
        patient: Patient,
        template: ProgramTemplate,
        today: date,
        days: int,
        maintenance_index: int = 0,
    ) -> None:
        self.rng, self.trajectory, self.patient, self.template = rng, trajectory, patient, template
        self.tz = ZoneInfo(patient.timezone)
        self.start = today - timedelta(days=days)
        self.yesterday = today - timedelta(days=1)
        self.days = days
        self.baseline = patient.baseline_pain
        self.flare_days = rng.randint(3, 5) if trajectory == Trajectory.FLARING else 0
        # Drifting: the last 5-8 days without any walk, after a week of fading.
        self.gap_days = rng.randint(5, 8) if trajectory == Trajectory.DRIFTING else 0
        self.fade_days = min(7, max(0, days - self.gap_days - 7)) if self.gap_days else 0
        self.rest_weekday = rng.randrange(7)
        self.two_rest_weeks: dict[tuple[int, int], bool] = {}
        # Some adherent patients finished their active phase and are in maintenance, with
        # monthly recurrence answers (the clinic's days-to-recurrence curve). A separate
        # generator keeps everyone else's data exactly as before.
        self.maintenance_from: date | None = None
        if trajectory == Trajectory.ADHERENT and maintenance_index:
            sub = random.Random(maintenance_index * 7919 + days)  # noqa: S311 - demo data
            self.maintenance_rng = sub
            self.maintenance_from = self.start + timedelta(days=sub.randint(days // 3, days - 7))

    # --- phases -------------------------------------------------------------
    def _days_before_end(self, day: date) -> int:
        return (self.yesterday - day).days

    def in_flare(self, day: date) -> bool:
        return self._days_before_end(day) < self.flare_days

    def in_gap(self, day: date) -> bool:
        return self._days_before_end(day) < self.gap_days

    def in_fade(self, day: date) -> bool:
        return not self.in_gap(day) and self._days_before_end(day) < self.gap_days + self.fade_days

    # --- program and target history ----------------------------------------
    def program_and_history(self) -> tuple[WalkingProgram, list[TargetChange]]:
        values = program_defaults_from_template(self.template)
        program = WalkingProgram(
            patient=self.patient,
            therapist=self.patient.therapist,
            template=self.template,
            start_date=self.start,
            **values,
        )
        sessions, minutes = program.sessions_per_day, program.minutes_per_session
        changes = [self._change(self.start, sessions, minutes, TargetChange.Reason.PRESCRIBED)]
        day = self.start + timedelta(days=program.increment_every_days)
        last_active = self.yesterday
        if self.maintenance_from is not None:
            last_active = self.maintenance_from - timedelta(days=1)
        while day <= last_active:
            if self.in_flare(day) or self.in_gap(day) or self.in_fade(day):
                break
            if minutes < program.max_minutes_per_session and self.rng.random() < 0.85:
                minutes = min(program.max_minutes_per_session, minutes + program.increment_minutes)
                changes.append(self._change(day, sessions, minutes, TargetChange.Reason.PROGRESSED))
                program.last_progression_on = day
            elif minutes < program.max_minutes_per_session:
                note = "Adherence under 80% last period."
                changes.append(self._change(day, sessions, minutes, TargetChange.Reason.HELD, note))
            day += timedelta(days=program.increment_every_days)
        if self.gap_days:
            held_on = self.yesterday - timedelta(days=self.gap_days + self.fade_days - 1)
            note = "Adherence under 80% last period."
            changes.append(self._change(held_on, sessions, minutes, TargetChange.Reason.HELD, note))
        if self.flare_days:
            program.status = WalkingProgram.Status.FLARE_UP
            program.pre_flare_sessions_per_day = sessions
            program.pre_flare_minutes_per_session = minutes
            program.pre_flare_pain = float(self.baseline - 1)
            minutes = max(5, minutes // 2)
            flare_on = self.yesterday - timedelta(days=self.flare_days - 1)
            note = "Flare-up reported: shorter, more frequent walks."
            changes.append(
                self._change(flare_on, sessions, minutes, TargetChange.Reason.FLARE_UP, note)
            )
        program.sessions_per_day, program.minutes_per_session = sessions, minutes
        if self.maintenance_from is not None:
            program.phase = WalkingProgram.Phase.MAINTENANCE
            program.maintenance_started_on = self.maintenance_from
            note = "Active phase completed: target held."
            changes.append(
                self._change(
                    self.maintenance_from, sessions, minutes, TargetChange.Reason.MAINTENANCE, note
                )
            )
        return program, changes

    def recurrence_checkins(self, program: WalkingProgram) -> list[RecurrenceCheckIn]:
        """One answer per local month of maintenance; about a third report an episode."""
        if self.maintenance_from is None:
            return []
        rows, month = [], self.maintenance_from.replace(day=1)
        while month <= self.yesterday:
            next_month = (month + timedelta(days=32)).replace(day=1)
            first = max(month, self.maintenance_from)
            last = min(next_month - timedelta(days=1), self.yesterday)
            episode = self.maintenance_rng.random() < 0.35
            started = first + timedelta(days=self.maintenance_rng.randint(0, (last - first).days))
            rows.append(
                RecurrenceCheckIn(
                    patient=self.patient,
                    month=month,
                    had_episode=episode,
                    episode_started_on=started if episode else None,
                    sought_care=episode and self.maintenance_rng.random() < 0.4,
                )
            )
            month = next_month
        return rows

    def _change(
        self, day: date, sessions: int, minutes: int, reason: str, note: str = ""
    ) -> TargetChange:
        return TargetChange(
            effective_on=day,
            sessions_per_day=sessions,
            minutes_per_session=minutes,
            days_per_week=self.template.days_per_week,
            reason=reason,
            note=note,
        )

    # --- walks and pain ------------------------------------------------------
    def walks_and_checkins(self, changes: list[TargetChange]) -> tuple[list[tuple], list[tuple]]:
        walks: list[tuple] = []
        checkins: list[tuple] = []
        target = changes[0]
        pending = iter(changes[1:])
        upcoming = next(pending, None)
        last_missed = self.start - timedelta(days=30)
        for day in self._each_day():
            while upcoming is not None and upcoming.effective_on <= day:
                target, upcoming = upcoming, next(pending, None)
            pain = self.pain_on(day)
            sessions = self.sessions_walked(day, target.sessions_per_day, last_missed)
            if sessions < target.sessions_per_day and self.is_walk_day(day):
                last_missed = day
            walks.extend(
                self._walk(day, n, target.minutes_per_session, pain) for n in range(sessions)
            )
            checkin = self._checkin(day, pain)
            if checkin is not None:
                checkins.append(checkin)
        return walks, checkins

    def _each_day(self) -> Iterator[date]:
        day = self.start
        while day <= self.yesterday:
            yield day
            day += timedelta(days=1)

    def is_walk_day(self, day: date) -> bool:
        """Programs of fewer than 7 days a week: rest on one weekday, sometimes two apart."""
        if self.template.days_per_week >= 7:
            return True
        weekday = day.weekday()
        second_rest = (self.rest_weekday + 3) % 7
        week = day.isocalendar()[:2]
        if week not in self.two_rest_weeks:
            self.two_rest_weeks[week] = self.rng.random() < 0.3
        return weekday != self.rest_weekday and not (
            weekday == second_rest and self.two_rest_weeks[week]
        )

    def sessions_walked(self, day: date, prescribed: int, last_missed: date) -> int:
        if self.in_gap(day):
            return 0
        if not self.is_walk_day(day):
            return 0
        if self.in_fade(day):
            return sum(self.rng.random() < 0.4 for _ in range(prescribed))
        if self.in_flare(day):
            return max(1, prescribed - self.rng.randint(0, 1))
        # The first two weeks, unless they fall in the last two (checked by the daily watch).
        early = (day - self.start).days < MIN_DAYS <= self._days_before_end(day)
        if early:
            # Getting into the habit: the second session is often skipped.
            return prescribed - (prescribed > 1 and self.rng.random() < 0.25)
        # Settled: at most one skipped (second) session in any seven days, never a
        # whole day, so 7-day adherence stays at or above 13/14.
        can_skip = prescribed > 1 and (day - last_missed).days >= 7
        return prescribed - (can_skip and self.rng.random() < 0.15)

    def pain_on(self, day: date) -> int:
        """The day's NPRS score for this trajectory."""
        if self.in_flare(day):
            return self.rng.choice((8, 8, 9))
        progress = (day - self.start).days / self.days
        if self.trajectory == Trajectory.DRIFTING:
            curve = self.baseline - 1 + (0.5 if self.in_gap(day) or self.in_fade(day) else 0)
            return max(0, min(7, round(curve + self.rng.choice((-1, 0, 0, 1)))))
        # Improving: from baseline down by about 45% over the program (a clinically
        # important fall), never above 7 and never drifting upwards late on.
        curve = self.baseline * (1 - 0.45 * progress)
        noise = self.rng.choice((-1, 0, 0, 1)) if progress < 0.5 else self.rng.choice((-1, 0, 0))
        return max(0, min(7, round(curve + noise)))

    def _walk(self, day: date, session: int, minutes: int, pain: int) -> tuple:
        """One walk as WALK_COLUMNS values."""
        indoor = self.trajectory == Trajectory.INDOOR
        hour = (7, 20, 12, 17, 10, 15)[session]  # morning, then evening (next day in UTC)
        started = datetime.combine(day, time(hour, self.rng.randint(0, 59)), tzinfo=self.tz)
        duration = max(1, minutes + self.rng.randint(-1, 3))
        flare = self.in_flare(day)
        return (
            started,
            local_date(started, self.patient.timezone),
            duration,
            WalkLog.Kind.INDOOR_MARCHING.value if indoor else WalkLog.Kind.OUTDOOR.value,
            self.rng.choice(TALK_TESTS),
            min(10, pain + (0 if flare else self.rng.choice((0, 0, 1)))),
            pain if flare else max(0, pain - self.rng.choice((0, 0, 1))),
            duration * self.rng.randint(90, 115),
            None if indoor else duration * self.rng.randint(70, 90),
            "",
            # Logged when it ended, so the 24-hour edit window is long past.
            started + timedelta(minutes=duration + 5),
        )

    def _checkin(self, day: date, pain: int) -> tuple | None:
        """The evening check-in as CHECKIN_COLUMNS values, or None on a day without one."""
        flare = self.in_flare(day)
        if not flare:
            chance = 0.3 if (self.in_gap(day) or self.in_fade(day)) else 0.85
            if self.rng.random() >= chance:
                return None
        logged = datetime.combine(day, time(21, self.rng.randint(0, 59)), tzinfo=self.tz)
        return (
            day,
            pain,
            flare,
            [self.rng.choice(("activity", "poor_sleep", "stress"))] if flare else [],
            "Back flared up after lifting." if flare else "",
            logged,
            logged,
        )
