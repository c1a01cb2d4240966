from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.timezones import validate_timezone


class Clinic(models.Model):
    name = models.CharField(max_length=200, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Therapist(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="therapist"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="therapists")
    is_clinic_admin = models.BooleanField(
        default=False, help_text="May see the whole clinic's audit and reports."
    )
    # Used by the weekly report job: the next instant this therapist's report is due.
    next_report_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class IdempotencyRecord(models.Model):
    """The first response to a create request, replayed for retries with the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=100, help_text="The operation, e.g. 'walks.create'.")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="idempotencyrecord_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class WeeklyReport(models.Model):
    """One therapist's caseload report for one ISO week (Monday-Sunday, clinic time)."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="reports")
    week_start = models.DateField(help_text="The Monday of the clinic's ISO week.")
    generated_at = models.DateTimeField()
    # Claimed by a conditional UPDATE before the email goes out, so it goes out once.
    sent_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, help_text="The computed figures (clinic.reports).")
    # A lease: the worker sending the email now. A lease older than the task time limit
    # belongs to a worker that died, so a redelivered task may take it over.
    send_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    html = models.TextField(blank=True)

    class Meta:
        ordering = ["-week_start", "therapist__user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "week_start"], name="weeklyreport_one_per_therapist_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} {self.iso_week}"

    @property
    def iso_week(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


class PatientReportSettings(models.Model):
    """A patient's choices about their weekly summary (shown in the portal either way)."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="report_settings"
    )
    weekly_summary_email = models.BooleanField(
        default=False, help_text="Also email the weekly summary (opt-in)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "patient report settings"

    def __str__(self) -> str:
        return f"Report settings for {self.patient}"


class PatientSummaryEmail(models.Model):
    """The claim that a patient's weekly summary email went out (once per week)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="summary_emails"
    )
    week_start = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "week_start"], name="patientsummaryemail_one_per_week"
            ),
        ]

    def __str__(self) -> str:
        return f"Summary for {self.patient} from {self.week_start}"


class ApiToken(models.Model):
    """A bearer token for the API; only the SHA-256 of the token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # Bearer authentication looks tokens up by this hash on every request.
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API token of {self.user} (expires {self.expires_at:%Y-%m-%d %H:%M})"

    def is_valid_at(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change that needs it.

    Published right after the commit when the broker is up; otherwise clinic.outbox's relay
    (a beat task every minute, or ``manage.py relay_outbox``) publishes it later. Nothing
    that a committed change asked for is lost while the broker is down.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "pending"
        return f"{self.task_name} ({state})"
