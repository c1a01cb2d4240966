from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinic.models import Clinic, Therapist
from patients.models import PAIN_VALIDATORS, Patient


class Intensity(models.TextChoices):
    EASY = "easy", "Easy: could chat the whole time"
    BRISK = "brisk", "Brisk: able to answer a question but not talk the whole time"


class ProgramTemplate(models.Model):
    """A starting prescription a clinic can edit; two ship with the product."""

    clinic = models.ForeignKey(
        Clinic,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="program_templates",
        help_text="Empty for the templates shared by every clinic.",
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    sessions_per_day = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    days_per_week = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    minutes_per_session = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    increment_minutes = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    increment_every_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    max_minutes_per_session = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    intensity = models.CharField(max_length=8, choices=Intensity, default=Intensity.BRISK)
    indoor_allowed = models.BooleanField(
        default=True, help_text="Marching in place indoors counts as a session."
    )
    duration_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(104)]
    )
    includes_education = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="programtemplate_unique_name"),
            models.CheckConstraint(
                condition=Q(minutes_per_session__lte=F("max_minutes_per_session")),
                name="programtemplate_start_within_max",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WalkingProgram(models.Model):
    """A patient's prescription; its current target is the latest TargetChange."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        FLARE_UP = "flare_up", "Flare-up mode"
        COMPLETED = "completed", "Completed"

    class Phase(models.TextChoices):
        ACTIVE = "active", "Active program"
        MAINTENANCE = "maintenance", "Maintenance"

    CURRENT_STATUSES = (Status.ACTIVE, Status.PAUSED, Status.FLARE_UP)

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="programs")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="programs")
    template = models.ForeignKey(
        ProgramTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sessions_per_day = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    days_per_week = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    minutes_per_session = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(300)],
        help_text="The current target per session.",
    )
    increment_minutes = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    increment_every_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    max_minutes_per_session = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    intensity = models.CharField(max_length=8, choices=Intensity, default=Intensity.BRISK)
    indoor_allowed = models.BooleanField(default=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    progression_locked = models.BooleanField(
        default=False, help_text="The therapist holds the target where it is."
    )
    progression_paused_for_red_flag = models.BooleanField(
        default=False, help_text="Set by a positive red-flag screen until a therapist clears it."
    )
    # Sessions and minutes before a flare-up, restored when it settles.
    pre_flare_sessions_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    pre_flare_minutes_per_session = models.PositiveSmallIntegerField(null=True, blank=True)
    pre_flare_pain = models.FloatField(null=True, blank=True)
    last_progression_on = models.DateField(null=True, blank=True)
    # After the active phase (WalkBack: the extra walking had faded by 12 months) the
    # program holds its target, stops progressing and asks monthly about recurrences.
    phase = models.CharField(max_length=12, choices=Phase, default=Phase.ACTIVE)
    maintenance_started_on = models.DateField(
        null=True, blank=True, help_text="The patient's local day maintenance began."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=["active", "paused", "flare_up"]),
                name="walkingprogram_one_current_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(minutes_per_session__lte=F("max_minutes_per_session")),
                name="walkingprogram_target_within_max",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="walkingprogram_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(phase="active", maintenance_started_on__isnull=True)
                | Q(phase="maintenance", maintenance_started_on__isnull=False),
                name="walkingprogram_maintenance_has_start",
            ),
        ]
        indexes = [
            # The maintenance watch and the clinic recurrence curve read maintenance programs.
            models.Index(fields=["phase", "patient"], name="walkingprogram_phase_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.sessions_per_day} x {self.minutes_per_session} min"

    @property
    def is_current(self) -> bool:
        return self.status in self.CURRENT_STATUSES

    @property
    def in_maintenance(self) -> bool:
        return self.phase == self.Phase.MAINTENANCE

    def is_active_on(self, day: date) -> bool:
        """Whether sessions are prescribed on this local day (paused programs prescribe none)."""
        return prescribes_on(
            status=self.status, start_date=self.start_date, end_date=self.end_date, day=day
        )

    def counts_kind(self, kind: str) -> bool:
        return kind != WalkLog.Kind.INDOOR_MARCHING or self.indoor_allowed


def prescribes_on(*, status: str, start_date: date, end_date: date | None, day: date) -> bool:
    """WalkingProgram.is_active_on for a program's fields read without a model instance."""
    if status == WalkingProgram.Status.PAUSED:
        return False
    if status == WalkingProgram.Status.COMPLETED and end_date is None:
        return False
    if day < start_date:
        return False
    return end_date is None or day <= end_date


class TargetChange(models.Model):
    """The history of a program's target: every change with its reason."""

    class Reason(models.TextChoices):
        PRESCRIBED = "prescribed", "Prescribed"
        PROGRESSED = "progressed", "Progressed"
        HELD = "held", "Held"
        STEPPED_BACK = "stepped_back", "Stepped back"
        FLARE_UP = "flare_up", "Flare-up plan"
        RESUMED = "resumed", "Resumed after flare-up"
        THERAPIST_EDIT = "therapist_edit", "Therapist edit"
        MAINTENANCE = "maintenance", "Maintenance started"

    # targetchange_prog_eff_idx (program first) serves every lookup by program; a second
    # index on the program alone would only slow the daily progression's writes (issue 7).
    program = models.ForeignKey(
        WalkingProgram, on_delete=models.CASCADE, related_name="target_changes", db_index=False
    )
    effective_on = models.DateField(help_text="The patient's local date the target applies from.")
    sessions_per_day = models.PositiveSmallIntegerField()
    minutes_per_session = models.PositiveSmallIntegerField()
    days_per_week = models.PositiveSmallIntegerField(default=7)
    reason = models.CharField(max_length=16, choices=Reason)
    note = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-id"]
        indexes = [
            # target_for_date() and the program history read changes newest first.
            models.Index(
                fields=["program", "-effective_on", "-id"], name="targetchange_prog_eff_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} from {self.effective_on}"


class WalkLog(models.Model):
    class Kind(models.TextChoices):
        OUTDOOR = "outdoor", "Outdoor"
        INDOOR_MARCHING = "indoor_marching", "Indoor marching in place"
        TREADMILL = "treadmill", "Treadmill"

    class TalkTest(models.TextChoices):
        EASY = "easy", "Could chat easily"
        BRISK = "brisk", "Could answer a question but not talk the whole time"
        BREATHLESS = "breathless", "Could not talk"

    # No index of its own: walklog_patient_day_idx (patient, local_date) serves patient lookups,
    # and a second index let the planner pick it and filter the dates row by row.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="walks", db_index=False
    )
    program = models.ForeignKey(
        WalkingProgram, null=True, blank=True, on_delete=models.SET_NULL, related_name="walks"
    )
    started_at = models.DateTimeField()
    local_date = models.DateField(help_text="started_at as a date in the patient's time zone.")
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.OUTDOOR)
    talk_test = models.CharField(max_length=10, choices=TalkTest, default=TalkTest.BRISK)
    # Empty only for walks imported from a phone or watch (steps_import): the device
    # records no pain, and inventing a score would skew the pain trend.
    pain_before = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=PAIN_VALIDATORS
    )
    pain_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_VALIDATORS)
    steps = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    distance_m = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    note = models.TextField(blank=True, max_length=2000)
    external_id = models.CharField(
        max_length=200,
        blank=True,
        default="",
        db_default="",  # rows bulk-inserted without the column (clinic.demo) stay "logged"
        help_text="Source and id of an imported workout (e.g. apple_health:...); empty if logged.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=300),
                name="walklog_duration_1_300",
            ),
            models.CheckConstraint(
                condition=(Q(pain_before__isnull=True) | Q(pain_before__gte=0, pain_before__lte=10))
                & (Q(pain_after__isnull=True) | Q(pain_after__gte=0, pain_after__lte=10)),
                name="walklog_pain_0_10",
            ),
            # Re-importing the same workout never creates a second walk.
            models.UniqueConstraint(
                fields=["patient", "external_id"],
                condition=~Q(external_id=""),
                name="walklog_unique_external_id",
            ),
        ]
        indexes = [
            # Daily/weekly adherence sums per patient and local day.
            models.Index(fields=["patient", "local_date"], name="walklog_patient_day_idx"),
            # The walk list: newest first, keyset-paginated.
            models.Index(
                fields=["patient", "-started_at", "-id"], name="walklog_patient_recent_idx"
            ),
            # The admin's walk-log list: a clinic's walks newest first, a page at a time,
            # read along this index instead of sorting the clinic's million rows (issue 7).
            models.Index(fields=["-started_at", "-id"], name="walklog_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.local_date}: {self.duration_minutes} min"


class CheckRun(models.Model):
    """A patient's last local day that one daily-watch check evaluated: the claim that makes
    re-runs no-ops.

    One row per patient and check, moved forward as each day is claimed, so a check only
    ever moves forward: a day at or before the last one checked is skipped. Evaluating an
    earlier day after a later one would reopen or rewrite alerts from older figures and
    decide progression twice. The table stays at a row per patient and check, so a claim is
    an update that costs the same in a clinic's first week and its fifth year (issue 7).
    """

    class Kind(models.TextChoices):
        ADHERENCE = "adherence", "Adherence"
        PAIN = "pain", "Pain trend"
        PROGRESSION = "progression", "Progression"
        MAINTENANCE = "maintenance", "Maintenance"

    # The unique constraint's index (patient first) serves every lookup by patient; a
    # second index on the patient alone would only slow the watch's claims (issue 7).
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="check_runs", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind)
    day = models.DateField(help_text="The last of the patient's local days that was evaluated.")
    previous_day = models.DateField(
        null=True,
        blank=True,
        help_text="The day evaluated before it (empty on the first): what the claim moved on from.",
    )
    checked_at = models.DateTimeField(default=timezone.now, help_text="When that day was claimed.")

    class Meta:
        ordering = ["-day", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind"], name="checkrun_one_per_patient_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} check of {self.patient}, last for {self.day}"


class CaseloadSortKeys(models.Model):
    """A patient's sortable caseload figures, stored so a sorted list need not compute them.

    Sorting a therapist's patient list by adherence or pain needs every patient's
    figures; computing them per row took most of the sorted list's time (issue 7). The
    figures are those of ``programs.caseload`` for the patient's local day ``as_of``.
    They hold while ``computed_version`` equals ``version``: on PostgreSQL, triggers add
    one to ``version`` whenever the patient's walks, check-ins, programs or target
    changes are written, by any path, and make the row with the patient (migration 0015).
    Stale or outdated rows are read live; ``programs.caseload.caseload_sort_keys_refresh``
    (a periodic task) recomputes them. SQLite has no triggers and no rows.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="caseload_sort_keys"
    )
    version = models.BigIntegerField(default=0)
    computed_version = models.BigIntegerField(default=-1)
    as_of = models.DateField(null=True, help_text="The patient's local day of the figures.")
    adherence_ratio = models.FloatField(null=True)
    pain_mean = models.FloatField(null=True)
    pain_change = models.FloatField(null=True)
    computed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"Caseload sort keys of {self.patient} for {self.as_of}"


class PainResponse(models.Model):
    """A clinically important response: a period over which the 7-day mean pain was 30%+
    below baseline, from the first day it was to the last (open while it holds).

    A period, not a row a day: about a third of a clinic's patients respond at any time,
    and a row each a day was a tenth of the pain check's time (issue 7). The daily check
    opens one on the first day the mean is that low, and closes it on the first day it is
    not (or without scores to tell), with the last day checked before as its last day.
    """

    # painresponse_one_per_first_day leads with the patient: no index of its own.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="pain_responses", db_index=False
    )
    first_day = models.DateField(
        help_text="The patient's local day the 7-day mean first fell 30%+ below baseline."
    )
    last_day = models.DateField(
        null=True,
        blank=True,
        help_text="The last day checked on which it held; empty while it still holds.",
    )
    mean_pain = models.FloatField(help_text="The 7-day mean on the first day.")
    baseline_pain = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(last_day__isnull=True),
                name="painresponse_one_open_per_patient",
            ),
            models.UniqueConstraint(
                fields=["patient", "first_day"], name="painresponse_one_per_first_day"
            ),
            models.CheckConstraint(
                condition=models.Q(last_day__isnull=True)
                | models.Q(last_day__gte=models.F("first_day")),
                name="painresponse_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: mean {self.mean_pain:.1f} vs baseline {self.baseline_pain}"

    @property
    def improvement_percent(self) -> int:
        """How far below baseline the 7-day mean was on the first day, in percent."""
        if not self.baseline_pain:
            return 0
        return round((1 - self.mean_pain / self.baseline_pain) * 100)


class RecurrenceCheckIn(models.Model):
    """The monthly maintenance question: an activity-limiting episode (WalkBack's outcome)?"""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="recurrence_checkins"
    )
    month = models.DateField(help_text="The first day of the patient's local month.")
    had_episode = models.BooleanField(
        help_text="An episode of back pain that limited activities for 24 hours or more."
    )
    episode_started_on = models.DateField(null=True, blank=True)
    sought_care = models.BooleanField(default=False)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "month"], name="recurrencecheckin_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(had_episode=True, episode_started_on__isnull=False)
                | Q(had_episode=False, episode_started_on__isnull=True, sought_care=False),
                name="recurrencecheckin_episode_has_date",
            ),
        ]

    def __str__(self) -> str:
        outcome = "episode" if self.had_episode else "no episode"
        return f"{self.patient} {self.month:%Y-%m}: {outcome}"


class DailySteps(models.Model):
    """A patient's step total for one local day, as one source reported it.

    Sources overlap (a phone and a watch count the same steps), so a day's total is the
    maximum over its sources, never their sum (programs.selectors.daily_step_totals).
    """

    class Source(models.TextChoices):
        APPLE_HEALTH = "apple_health", "Apple Health"
        FITBIT = "fitbit", "Fitbit"
        CSV = "csv", "CSV file"
        FHIR = "fhir", "FHIR observations"
        MANUAL = "manual", "Entered by hand"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="daily_steps")
    date = models.DateField(help_text="The patient's local date.")
    steps = models.PositiveIntegerField(validators=[MaxValueValidator(200_000)])
    source = models.CharField(max_length=16, choices=Source)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "date", "source"], name="dailysteps_once_per_day_source"
            ),
            models.CheckConstraint(
                condition=Q(steps__lte=200_000), name="dailysteps_steps_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.date}: {self.steps} steps ({self.source})"


class BoosterPrompt(models.Model):
    """A nudge in maintenance when walking has dropped well below the maintenance target."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="booster_prompts")
    created_on = models.DateField(help_text="The patient's local day the drop was found.")
    reason = models.CharField(max_length=300)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    # Set when the email went out: the claim that sends it exactly once.
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(dismissed_at__isnull=True),
                name="boosterprompt_one_open_per_patient",
            ),
        ]
        indexes = [
            # The booster check reads each patient's latest prompt.
            models.Index(fields=["patient", "-created_on"], name="boosterprompt_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"Booster for {self.patient} on {self.created_on}"

    @property
    def is_open(self) -> bool:
        return self.dismissed_at is None
