from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clinic.models import Clinic, Therapist
from clinic.timezones import validate_timezone
from patients.questionnaires import MEASURE_CHOICES

PAIN_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]


class RiskGroup(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class EducationIntensity(models.TextChoices):
    STANDARD = "standard", "Standard"
    ENHANCED = "enhanced", "Enhanced"


class Patient(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        DISCHARGED = "discharged", "Discharged"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="patients")
    date_of_birth = models.DateField()
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    baseline_pain = models.PositiveSmallIntegerField(validators=PAIN_VALIDATORS)
    status = models.CharField(max_length=12, choices=Status, default=Status.ACTIVE)
    medical_clearance_on = models.DateField(
        null=True, blank=True, help_text="When a doctor cleared the patient to walk."
    )
    onboarded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient finished the first-time screen."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # STarT Back stratification: set from the latest STarT Back response unless the
    # therapist has overridden it.
    risk_group = models.CharField(max_length=8, choices=RiskGroup, blank=True)
    coaching_every_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days between coaching check-ins.",
    )
    education_intensity = models.CharField(
        max_length=10, choices=EducationIntensity, default=EducationIntensity.STANDARD
    )
    stratification_overridden = models.BooleanField(
        default=False,
        help_text="The therapist set coaching and education by hand; STarT Back keeps off.",
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_pain__gte=0, baseline_pain__lte=10),
                name="patient_baseline_pain_0_10",
            ),
        ]
        indexes = [
            # The daily watch walks active patients of each clinic.
            models.Index(fields=["clinic", "status"], name="patient_clinic_status_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class PainCheckIn(models.Model):
    class Trigger(models.TextChoices):
        STRESS = "stress", "Stress"
        ILLNESS = "illness", "Illness"
        ACTIVITY = "activity", "A particular activity (lifting, bending)"
        POOR_SLEEP = "poor_sleep", "Poor sleep"
        OTHER = "other", "Other"

    # No index of its own: the (patient, date) unique constraint serves patient lookups.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="pain_checkins", db_index=False
    )
    date = models.DateField(help_text="The patient's local date.")
    score = models.PositiveSmallIntegerField(validators=PAIN_VALIDATORS)
    flare_up = models.BooleanField(default=False)
    triggers = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="paincheckin_one_per_day"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10), name="paincheckin_score_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.date}: {self.score}/10"


class Alert(models.Model):
    class Kind(models.TextChoices):
        MISSED_SESSIONS = "missed_sessions", "Missed sessions"
        LOW_ADHERENCE = "low_adherence", "Low adherence"
        PAIN_RISING = "pain_rising", "Pain rising"
        FLARE_UP = "flare_up", "Flare-up"
        RED_FLAG = "red_flag", "Red flag"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        URGENT = "urgent", "Urgent"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind)
    severity = models.CharField(max_length=10, choices=Severity, default=Severity.WARNING)
    status = models.CharField(max_length=14, choices=Status, default=Status.OPEN)
    message = models.TextField()
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)
    # Set once the alert went out in a therapist digest, so it is mailed once only.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=Q(status="open"),
                name="alert_one_open_per_patient_kind",
            ),
        ]
        indexes = [
            # Therapist alert lists and the admin's "open alerts" column.
            models.Index(fields=["status", "patient"], name="alert_status_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.patient} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Lesson(models.Model):
    class Topic(models.TextChoices):
        PAIN_SCIENCE = "pain_science", "Pain science and reassurance"
        POSTURE = "posture", "Posture and body mechanics"
        PACING = "pacing", "Pacing"
        FLARE_UP_PLAN = "flare_up_plan", "Flare-up plan"
        WALKING = "walking", "Walking well"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=20, choices=Topic)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class LessonAssignment(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="lesson_assignments"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lesson__order", "lesson__title"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "lesson"], name="lessonassignment_once_per_patient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson} for {self.patient}"


class RedFlagScreen(models.Model):
    """One answered red-flag screen; any 'yes' opens an urgent alert."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="red_flag_screens")
    answers = models.JSONField()
    positive = models.BooleanField()
    emergency = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        outcome = "positive" if self.positive else "clear"
        return f"Red-flag screen for {self.patient} ({outcome})"


class QuestionnaireAssignment(models.Model):
    """A measure the therapist scheduled for a patient; ``response`` is set once answered."""

    class Reason(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        INTERVAL = "interval", "Interval"
        DISCHARGE = "discharge", "Discharge"

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="questionnaire_assignments"
    )
    measure = models.CharField(max_length=12, choices=MEASURE_CHOICES)
    due_on = models.DateField(help_text="The patient's local date.")
    reason = models.CharField(max_length=10, choices=Reason)
    response = models.OneToOneField(
        "QuestionnaireResponse",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignment",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "measure", "due_on"], name="questionnaireassignment_once"
            ),
            models.CheckConstraint(
                condition=Q(measure__in=[key for key, _ in MEASURE_CHOICES]),
                name="questionnaireassignment_known_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} for {self.patient} due {self.due_on}"


class QuestionnaireResponse(models.Model):
    """One completed outcome measure with its score (patients.questionnaires)."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    measure = models.CharField(max_length=12, choices=MEASURE_CHOICES)
    answered_on = models.DateField(help_text="The patient's local date.")
    answers = models.JSONField()
    score = models.FloatField()
    band = models.CharField(max_length=12, blank=True, help_text="Band or risk group.")
    subscale = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="STarT Back psychosocial subscale (0-5)."
    )
    items_answered = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-answered_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__in=[key for key, _ in MEASURE_CHOICES]),
                name="questionnaireresponse_known_measure",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100),
                name="questionnaireresponse_score_0_100",
            ),
            models.CheckConstraint(
                condition=Q(subscale__isnull=True) | Q(subscale__lte=5),
                name="questionnaireresponse_subscale_0_5",
            ),
        ]
        indexes = [
            models.Index(
                fields=["patient", "measure", "answered_on"], name="qresponse_patient_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} for {self.patient} on {self.answered_on}"


class QuestionnaireText(models.Model):
    """A clinic's licensed wording for one item of a measure (loaded as data)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=12, choices=MEASURE_CHOICES)
    item_key = models.CharField(max_length=20)
    text = models.TextField(max_length=2000)

    class Meta:
        ordering = ["clinic", "measure", "item_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "measure", "item_key"], name="questionnairetext_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.item_key} ({self.clinic})"
