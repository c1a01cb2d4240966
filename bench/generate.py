"""A fast synthetic caseload for the benchmark: COPY on PostgreSQL, batched INSERTs elsewhere.

``bench_generate(patients=10_000, days=180)`` appends patients (200 per therapist, in two
clinics) with one current program, its weekly target history, about 1.2 walks and 0.55
pain check-ins per patient-day. Everything is synthetic and reproducible from ``seed``.
Rows are plain tuples streamed with psycopg's ``cursor.copy()``; ids are assigned here
(after the tables' current maximum) and the sequences are reset at the end, so the data
can be appended to (the 20,000-patient scaling point adds a second 10,000).

seed_demo (clinic.demo) shapes a few dozen patients into four clinical stories and uses
~2 sessions a day; the benchmark needs a given volume, a realistic spread of adherence
and pain, and 50,000+ rows a second, hence this dedicated generator.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from clinic.models import Clinic, Therapist
from clinic.services import THERAPIST_GROUP
from clinic.timezones import local_date
from patients.models import PainCheckIn, Patient
from programs.models import TargetChange, WalkingProgram, WalkLog

BENCH_EMAIL_DOMAIN = "bench.walkrx.invalid"
BENCH_CLINICS = (
    ("WalkRx Bench Clinic London", "Europe/London"),
    ("WalkRx Bench Clinic New York", "America/New_York"),
)
PATIENTS_PER_THERAPIST = 200
CHUNK_PATIENTS = 250
INSERT_BATCH = 1000

START_MINUTES, MAX_MINUTES, SESSIONS = 10, 30, 2
SESSION_HOURS = (7, 18)
TALK = ("brisk", "brisk", "easy", "breathless")
_MINUTES = [timedelta(minutes=m) for m in range(400)]


@dataclass
class GenerateSummary:
    patients: int = 0
    therapists: int = 0
    programs: int = 0
    target_changes: int = 0
    walks: int = 0
    checkins: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows written (users and therapists included)."""
        return (
            2 * self.patients
            + 2 * self.therapists
            + self.programs
            + self.target_changes
            + self.walks
            + self.checkins
        )

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def bench_patients():
    """The benchmark's patients (their users carry BENCH_EMAIL_DOMAIN)."""
    return Patient.objects.filter(user__email__endswith=f"@{BENCH_EMAIL_DOMAIN}")


class _Table:
    """Writes rows of ``fields`` (attnames, id first) to a model's table; other columns
    get their model default, so a column added later does not break the generator."""

    def __init__(self, model, fields: Sequence[str]) -> None:
        self.model = model
        given = list(fields)
        columns = [model._meta.get_field(_name(f)).column for f in given]
        rest = [f for f in model._meta.concrete_fields if f.column not in columns]
        self.columns = columns + [f.column for f in rest]
        self.suffix = tuple(f.get_default() for f in rest)
        self.all_fields = [model._meta.get_field(_name(f)) for f in given] + rest

    def write(self, rows: Iterable[tuple]) -> int:
        if connection.vendor == "postgresql":
            return self._copy(rows)
        return self._insert(rows)

    def _copy(self, rows: Iterable[tuple]) -> int:
        """COPY ... FROM STDIN in text format, rows formatted here in large blocks (psycopg's
        per-value write_row() adaptation costs more than the rest of the generator)."""
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.model._meta.db_table),
            sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
        )
        tail = "".join("\t" + _copy_text(v) for v in self.suffix) + "\n"
        line = _line_formatter(self.all_fields[: len(self.all_fields) - len(self.suffix)], tail)
        n = 0
        rows = iter(rows)
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            while batch := list(islice(rows, 5000)):
                copy.write("".join(map(line, batch)))
                n += len(batch)
        return n

    def _insert(self, rows: Iterable[tuple]) -> int:
        quote = connection.ops.quote_name
        statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - quoted names
            quote(self.model._meta.db_table),
            ", ".join(quote(c) for c in self.columns),
            ", ".join(["%s"] * len(self.columns)),
        )
        adapters = [_adapter(f) for f in self.all_fields]
        n = 0
        rows = iter(rows)
        with connection.cursor() as cursor:
            while batch := list(islice(rows, INSERT_BATCH)):
                cursor.executemany(
                    statement,
                    [
                        tuple(
                            a(v) if a else v
                            for a, v in zip(adapters, row + self.suffix, strict=True)
                        )
                        for row in batch
                    ],
                )
                n += len(batch)
        return n


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (list, dict)):
        value = json.dumps(value)
    return str(value).translate(_ESCAPES)


# Most values repeat: a walk's kind, its talk test, an empty note; a day, a walk's start
# (a day, a session and a minute), a check-in's time. Formatted once each, remembered:
# escaping strings took a third of the generator's time, and str() of a datetime ~3 µs.
@lru_cache(maxsize=4096)
def _string_text(value: str) -> str:
    """_copy_text() of a string."""
    return value.translate(_ESCAPES)


@lru_cache(maxsize=65536)
def _time_text(value: date) -> str:
    """A date (YYYY-MM-DD) or a datetime (YYYY-MM-DD HH:MM:SS[.f]+00:00) as COPY reads it."""
    return str(value)


def _line_formatter(fields, tail: str) -> Callable[[tuple], str]:
    """A function formatting one row tuple as a COPY text line: one f-string per table,
    generated from the fields' types (a function call per value costs more than the
    rest of the generator)."""
    from django.db import models

    parts = []
    for i, field in enumerate(fields):
        value = f"r[{i}]"
        if isinstance(field, models.BooleanField):
            text = f'("t" if {value} else "f")'
        elif isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
            text = value
        elif isinstance(field, models.DateField):  # and DateTimeField
            text = f"_time_text({value})"
        elif isinstance(field, models.CharField | models.TextField):
            text = f"_string_text({value})"
        else:
            text = f"_copy_text({value})"
        if field.null:
            text = f"(NULL if {value} is None else {text})"
        parts.append("{" + text + "}")
    source = "lambda r: f'" + "\\t".join(parts) + "' + tail"
    # Generated from our own field list only (no outside input).
    names = {"_copy_text": _copy_text, "_string_text": _string_text, "_time_text": _time_text}
    return eval(source, names | {"tail": tail, "NULL": r"\N"})  # noqa: S307


def _name(attname: str) -> str:
    return attname[:-3] if attname.endswith("_id") and attname != "id" else attname


def _adapter(field) -> Callable | None:
    from django.db import models

    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda v: v if isinstance(v, str) else json.dumps(v)
    return None


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


class _Ids:
    def __init__(self, model) -> None:
        self.next = _next_id(model)

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


USER_FIELDS = (
    "id", "password", "is_superuser", "username", "first_name", "last_name", "email",
    "is_staff", "is_active", "date_joined",
)  # fmt: skip
PATIENT_FIELDS = (
    "id", "user_id", "clinic_id", "therapist_id", "date_of_birth", "timezone", "baseline_pain",
    "status", "medical_clearance_on", "onboarded_at", "created_at",
)  # fmt: skip
PROGRAM_FIELDS = (
    "id", "patient_id", "therapist_id", "sessions_per_day", "days_per_week",
    "minutes_per_session", "increment_minutes", "increment_every_days",
    "max_minutes_per_session", "intensity", "indoor_allowed", "start_date", "status",
    "progression_locked", "progression_paused_for_red_flag", "last_progression_on",
    "created_at",
)  # fmt: skip
CHANGE_FIELDS = (
    "id", "program_id", "effective_on", "sessions_per_day", "minutes_per_session",
    "days_per_week", "reason", "note", "created_at",
)  # fmt: skip
WALK_FIELDS = (
    "id", "patient_id", "program_id", "started_at", "local_date", "duration_minutes", "kind",
    "talk_test", "pain_before", "pain_after", "steps", "distance_m", "note", "created_at",
)  # fmt: skip
CHECKIN_FIELDS = (
    "id", "patient_id", "date", "score", "flare_up", "triggers", "note", "created_at",
    "updated_at",
)  # fmt: skip


def bench_generate(
    *,
    patients: int,
    days: int = 180,
    seed: int = 7,
    now: datetime | None = None,
    progress: Callable[[int], object] | None = None,
    patients_per_therapist: int = PATIENTS_PER_THERAPIST,
) -> GenerateSummary:
    """Append ``patients`` synthetic patients with ``days`` of history; returns the counts.

    One transaction. Therapists are added at ``patients_per_therapist`` (200) each, in
    contiguous blocks of patients; patients alternate between the two bench clinics.
    ``progress`` is called with the number of patients done after each chunk.
    """
    if patients < 1 or days < 14:
        raise ValueError("patients must be >= 1 and days >= 14")
    started = time.perf_counter()
    # In UTC, as every other generated time: _time_text remembers one text per equal time,
    # and two local times an hour apart (a DST fold) compare equal.
    now = (now or timezone.now()).astimezone(UTC)
    summary = GenerateSummary()
    with transaction.atomic():
        dropped: list[str] = []
        if connection.vendor == "postgresql":
            _fast_session()
            dropped = _drop_secondary_indexes_if_empty([WalkLog, PainCheckIn])
        _Builder(
            summary=summary,
            patients=patients,
            days=days,
            rng=random.Random(seed),  # noqa: S311 - synthetic data
            now=now,
            per_therapist=patients_per_therapist,
            progress=progress,
        ).run()
        if dropped:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for definition in dropped:
                    cursor.execute(definition)
        if connection.vendor == "postgresql":
            _fast_session_end()
            _caseload_sort_key_rows()
            models = [get_user_model(), Therapist, Patient, WalkingProgram]
            models += [TargetChange, WalkLog, PainCheckIn]
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
    summary.seconds = time.perf_counter() - started
    return summary


def _drop_secondary_indexes_if_empty(models) -> list[str]:
    """Drop the indexes that back no constraint on these tables when they are empty (a
    fresh load), returning their definitions to recreate after it: building an index once
    over the loaded rows costs far less than maintaining five of them row by row."""
    definitions = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                continue
            cursor.execute(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid = %s::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                """,
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                definitions.append(definition)
    return definitions


def _fast_session() -> None:
    """For this transaction: no per-row foreign-key triggers (the generator's rows are
    consistent by construction; needs a superuser, skipped otherwise) and no wait for
    the WAL flush at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
    _replication_role("replica")


def _fast_session_end() -> None:
    """Triggers fire again for the rest of an enclosing transaction (a test's): those
    that mark stored caseload sort keys stale must see its writes."""
    _replication_role("DEFAULT")


def _replication_role(role: str) -> None:
    """SET LOCAL session_replication_role, where allowed (a superuser's session)."""
    from django.db import DatabaseError

    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"SET LOCAL session_replication_role = {role}")
        except DatabaseError:
            pass


def _caseload_sort_key_rows() -> None:
    """The patients' rows of stored sort keys (stale until refreshed), which the trigger on
    patients makes but did not while the load ran with triggers off."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO programs_caseloadsortkeys (patient_id, version, computed_version) "
            "SELECT id, 0, -1 FROM patients_patient ON CONFLICT (patient_id) DO NOTHING"
        )


class _Builder:
    def __init__(self, *, summary, patients, days, rng, now, per_therapist, progress) -> None:
        self.summary, self.count, self.days, self.rng = summary, patients, days, rng
        self.now, self.per_therapist, self.progress = now, per_therapist, progress
        self.user_model = get_user_model()
        # No usable password: the benchmark signs in with tokens and force_login().
        self.password = make_password(None)
        self.users = _Table(self.user_model, USER_FIELDS)
        self.patients = _Table(Patient, PATIENT_FIELDS)
        self.programs = _Table(WalkingProgram, PROGRAM_FIELDS)
        self.changes = _Table(TargetChange, CHANGE_FIELDS)
        self.walks = _Table(WalkLog, WALK_FIELDS)
        self.checkins = _Table(PainCheckIn, CHECKIN_FIELDS)
        self.ids = {
            name: _Ids(model)
            for name, model in (
                ("user", self.user_model),
                ("patient", Patient),
                ("program", WalkingProgram),
                ("change", TargetChange),
                ("walk", WalkLog),
                ("checkin", PainCheckIn),
            )
        }
        self.empty_json, self.flare_json = "[]", json.dumps(["activity"])

    def run(self) -> None:
        clinics = [Clinic.objects.get_or_create(name=n, defaults={"timezone": tz})[0]
                   for n, tz in BENCH_CLINICS]  # fmt: skip
        self.clinics = clinics
        self.first_index = bench_patients().count()
        therapists = self._therapists(math.ceil(self.count / self.per_therapist))
        self.noon_utc = {c.timezone: self._noon_utc(c.timezone) for c in clinics}
        for start in range(0, self.count, CHUNK_PATIENTS):
            indexes = range(start, min(start + CHUNK_PATIENTS, self.count))
            self._chunk(indexes, therapists)
            if self.progress is not None:
                self.progress(len(indexes))

    def _user_row(self, username: str, *, staff: bool) -> tuple:
        uid = self.ids["user"].take()
        first = ("Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana")[uid % 8]
        last = ("Moss", "Nair", "Ortiz", "Park", "Quist", "Rao", "Shaw", "Tran")[(uid // 8) % 8]
        return (uid, self.password, False, username, first, last,
                f"{username}@{BENCH_EMAIL_DOMAIN}", staff, True, self.now)  # fmt: skip

    def _therapists(self, count: int) -> list[Therapist]:
        first = Therapist.objects.filter(user__email__endswith=f"@{BENCH_EMAIL_DOMAIN}").count()
        rows = [self._user_row(f"bench-t{first + n + 1}", staff=True) for n in range(count)]
        self.users.write(rows)
        self.summary.therapists += count
        half = max(1, math.ceil(count / len(self.clinics)))
        therapists = Therapist.objects.bulk_create(
            [
                Therapist(
                    user_id=row[0],
                    clinic=self.clinics[min(n // half, len(self.clinics) - 1)],
                    is_clinic_admin=n % half == 0,
                )
                for n, row in enumerate(rows)
            ]
        )
        group, _ = Group.objects.get_or_create(name=THERAPIST_GROUP)
        through = self.user_model.groups.through
        through.objects.bulk_create([through(user_id=row[0], group_id=group.id) for row in rows])
        return therapists

    def _noon_utc(self, tz_name: str) -> list[datetime]:
        """Each history day's local noon in UTC (walks are at 07:00-19:00, after any DST
        switch, so noon's offset is the walk's offset)."""
        zone = ZoneInfo(tz_name)
        today = local_date(self.now, tz_name)
        start = today - timedelta(days=self.days)
        return [
            datetime.combine(start + timedelta(days=i), dtime(12), tzinfo=zone).astimezone(UTC)
            for i in range(self.days + 1)
        ]

    def _chunk(self, indexes: range, therapists: list[Therapist]) -> None:
        users, patients, programs, changes, walks, checkins = [], [], [], [], [], []
        for index in indexes:
            n = self.first_index + index + 1
            user = self._user_row(f"bench-p{n}", staff=False)
            users.append(user)
            therapist = therapists[index // self.per_therapist]
            # Alternate clinics within a therapist's clinic: their patients share it.
            clinic = next(c for c in self.clinics if c.id == therapist.clinic_id)
            self._patient(user[0], clinic, therapist, patients, programs, changes, walks, checkins)
        self.users.write(users)
        self.patients.write(patients)
        self.programs.write(programs)
        self.changes.write(changes)
        self.summary.walks += self.walks.write(walks)
        self.summary.checkins += self.checkins.write(checkins)
        self.summary.patients += len(patients)
        self.summary.programs += len(programs)
        self.summary.target_changes += len(changes)

    def _patient(self, user_id, clinic, therapist, patients, programs, changes, walks, checkins):
        rng, r = self.rng, self.rng.random
        tz = clinic.timezone
        today = local_date(self.now, tz)
        start = today - timedelta(days=self.days)
        noon = self.noon_utc[tz]
        pid, prog = self.ids["patient"].take(), self.ids["program"].take()
        roll = r()
        status = "active" if roll < 0.95 else ("paused" if roll < 0.98 else "discharged")
        baseline = rng.randint(4, 8)
        patients.append((pid, user_id, clinic.id, therapist.id, date(rng.randint(1950, 2000),
                         rng.randint(1, 12), 15), tz, baseline, status,
                         start - timedelta(days=7), self.now - timedelta(days=self.days),
                         self.now - timedelta(days=self.days + 1)))  # fmt: skip
        days_per_week = 7 if r() < 0.8 else 5
        indoor_allowed = r() < 0.9
        p_walk = 0.35 + 0.5 * r()
        p_checkin = 0.4 + 0.3 * r()
        kind = (
            "outdoor"
            if (roll := r()) < 0.85
            else ("indoor_marching" if roll < 0.95 else "treadmill")
        )
        drifting = r() < 0.15  # walks far less in the last 10 days
        rising = r() < 0.1  # pain rises in the last 10 days
        improvement = 0.5 * r()  # fraction of baseline lost over the history
        # Weekly progression by one minute up to the maximum (the generator's history).
        change_rows = [(self.ids["change"].take(), prog, start, SESSIONS, START_MINUTES,
                        days_per_week, "prescribed", "", self.now)]  # fmt: skip
        minutes = START_MINUTES
        last_progression = None
        day = start + timedelta(days=7)
        while day < today and minutes < MAX_MINUTES:
            minutes += 1
            last_progression = day
            change_rows.append((self.ids["change"].take(), prog, day, SESSIONS, minutes,
                                days_per_week, "progressed", "", self.now))  # fmt: skip
            day += timedelta(days=7)
        changes.extend(change_rows)
        program_status = "paused" if status == "paused" else "active"
        if status == "discharged":
            program_status = "completed"
        programs.append((prog, pid, therapist.id, SESSIONS, days_per_week, minutes, 1, 7,
                         MAX_MINUTES, "brisk", indoor_allowed, start, program_status, False,
                         False, last_progression, self.now))  # fmt: skip
        walk_ids, checkin_ids = self.ids["walk"], self.ids["checkin"]
        walk_id, checkin_id = walk_ids.next, checkin_ids.next
        distance = kind == "outdoor"
        empty, flare_json = self.empty_json, self.flare_json
        target_minutes = START_MINUTES
        hours = [timedelta(hours=h - 12) for h in SESSION_HOURS]
        minutes_td = _MINUTES
        evening = timedelta(hours=9)
        add_walk, add_checkin = walks.append, checkins.append
        one_day = timedelta(days=1)
        day = start - one_day
        for i in range(self.days):
            day += one_day
            late = self.days - i <= 10
            if i and i % 7 == 0 and target_minutes < MAX_MINUTES:
                target_minutes += 1
            pain = baseline * (1 - improvement * i / self.days) + (3 if rising and late else 0)
            p = p_walk * (0.2 if drifting and late else 1.0)
            noon_i = noon[i]
            for offset in hours:
                if r() >= p:
                    continue
                duration = target_minutes - 1 + int(r() * 4)
                score = max(0, min(10, round(pain + r() * 2 - 1)))
                started = noon_i + offset + minutes_td[int(r() * 60)]
                add_walk((walk_id, pid, prog, started, day, duration, kind, TALK[int(r() * 4)],
                          min(10, score + (r() < 0.3)), score, duration * 100,
                          duration * 80 if distance else None, "",
                          started + minutes_td[duration + 2]))  # fmt: skip
                walk_id += 1
            if r() < p_checkin:
                score = max(0, min(10, round(pain + r() * 2 - 1)))
                flare = score >= 8 and rising and late
                logged = noon_i + evening
                add_checkin((checkin_id, pid, day, score, flare, flare_json if flare else empty,
                             "", logged, logged))  # fmt: skip
                checkin_id += 1
        walk_ids.next, checkin_ids.next = walk_id, checkin_id
