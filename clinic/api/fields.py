"""Serializer fields shared by the API apps."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api.exceptions import django_errors_as_drf
from clinic.timezones import timezone_choices, validate_timezone


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime that must carry a UTC offset (no guessing of time zones)."""

    default_error_messages = {
        "naive": "Include a time-zone offset, e.g. 2026-05-01T08:30:00+01:00."
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


@extend_schema_field({"type": "string", "enum": [name for name, _ in timezone_choices()]})
class TimezoneField(serializers.CharField):
    """An IANA time-zone name (the schema lists them all)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        django_errors_as_drf(lambda: validate_timezone(value))
        return value
