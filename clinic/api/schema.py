"""Error shapes for the OpenAPI schema, shared by every endpoint."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from clinic.api.serializers import StrictSerializer


class ErrorSerializer(serializers.Serializer):
    """``{"detail": "..."}``: authentication, not found, throttling, key reuse."""

    detail = serializers.CharField()


VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Every bad field with its messages; errors about the request as a whole "
        "are under non_field_errors."
    ),
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"duration_minutes": ["Ensure this value is less than or equal to 300."]},
}

_DESCRIPTIONS = {
    400: 'Invalid input: {"field": ["message", ...]} naming every bad field.',
    401: "Not authenticated (missing, invalid, expired or revoked token).",
    403: "CSRF check failed (session authentication only; bearer tokens need no CSRF token).",
    404: "Not found, or not yours to see.",
    422: "The Idempotency-Key was already used with a different request body.",
    429: "Too many requests; see the Retry-After header.",
}


def error_responses(*codes: int, authenticated: bool = True) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for these error status codes, plus 429 (and 401 if authenticated)."""
    responses = {}
    for code in sorted({*codes, 429, *([401] if authenticated else [])}):
        body = VALIDATION_ERROR_SCHEMA if code == 400 else ErrorSerializer
        responses[code] = OpenApiResponse(response=body, description=_DESCRIPTIONS[code])
    return responses


IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    # At least one non-space character: a blank key is refused.
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    description=(
        "Any unique string (e.g. a UUID, at most 255 characters). A retry with the same key "
        "and body returns the first response and creates nothing; the same key with a "
        "different body is refused with 422."
    ),
)


class StrictAutoSchema(AutoSchema):
    """Request bodies of strict serializers say so: ``additionalProperties: false``."""

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
        return schema
