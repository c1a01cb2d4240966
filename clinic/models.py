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
    # Set once the email went out (clinic.send_once).
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
    # The send lease (clinic.send_once), as on WeeklyReport.
    send_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

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


class AuditTrailImmutableError(Exception):
    """Raised on any attempt to change or delete an audit event through the application."""


class AuditEventQuerySet(models.QuerySet):
    """Bulk update() and delete() are refused; the two deliberate exceptions are named."""

    def update(self, **kwargs):
        raise AuditTrailImmutableError("Audit events cannot be changed.")

    def delete(self):
        raise AuditTrailImmutableError("Audit events cannot be deleted.")

    def prune(self) -> int:
        """Delete these events: only the retention policy (clinic.audit.audit_prune) calls this."""
        return super().delete()[0]

    def scrub(self, **values) -> int:
        """Overwrite text copies: only patient erasure (clinic.patient_rights) calls this."""
        return super().update(**values)


class AuditEvent(models.Model):
    """Who touched which patient's data, when, how and from where (append-only)."""

    class Role(models.TextChoices):
        THERAPIST = "therapist", "Therapist"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"
        SUPERUSER = "superuser", "Superuser"
        PATIENT = "patient", "Patient"
        SYSTEM = "system", "System"

    class Action(models.TextChoices):
        VIEW = "view", "View"
        LIST = "list", "List"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        ACTION = "action", "Admin action"
        EXPORT = "export", "Export"
        ERASE = "erase", "Erase"
        LOGIN = "login", "Login"

    # Retention pruning deletes by age (prune_audit).
    at = models.DateTimeField(db_index=True)
    # Indexed together with `at` below, as are clinic and patient_ref.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=12, choices=Role)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The patient's id, kept when the patient row itself is deleted.
    patient_ref = models.PositiveIntegerField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=Action)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=8, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The clinic admin's audit list (admin and /api/v1/audit/): a clinic's newest events.
            models.Index(fields=["clinic", "-at"], name="auditevent_clinic_at_idx"),
            # "Who saw this patient": one patient's events, newest first.
            models.Index(fields=["patient_ref", "-at"], name="auditevent_patient_at_idx"),
            # "What did this person do": one actor's events, newest first.
            models.Index(fields=["actor", "-at"], name="auditevent_actor_at_idx"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or self.get_actor_role_display()
        return f"{who} {self.action} {self.object_type} {self.object_id}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailImmutableError("Audit events cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailImmutableError("Audit events cannot be deleted.")


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
