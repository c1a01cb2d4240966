"""Serializer fields shared by the API apps."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime that must carry a UTC offset (no guessing of time zones)."""

    default_error_messages = {
        "naive": "Include a time-zone offset, e.g. 2026-05-01T08:30:00+01:00."
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)
