"""The Idempotency-Key header for API create requests (see clinic.idempotency)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from clinic.idempotency import MAX_KEY_LENGTH, idempotent_perform


def idempotent_response(request, *, scope: str, perform: Callable[[], tuple[int, Any]]) -> Response:
    """Run ``perform`` once per Idempotency-Key; a replay carries ``Idempotent-Replayed: true``."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key.strip()) <= MAX_KEY_LENGTH):
        raise ValidationError(
            {"Idempotency-Key": [f"Must be 1 to {MAX_KEY_LENGTH} characters long."]}
        )
    payload = request.data if isinstance(request.data, dict) else {"body": request.data}
    result = idempotent_perform(
        user=request.user, scope=scope, key=key, payload=payload, perform=perform
    )
    response = Response(result.body, status=result.status)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
