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
