"""The one place where domain errors become HTTP error responses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ParseError, ValidationError
from rest_framework.views import exception_handler

from clinic.idempotency import IdempotencyKeyReusedError
from clinic.middleware import DATABASE_ERRORS, RETRY_AFTER_SECONDS, UNAVAILABLE_DETAIL

logger = logging.getLogger(__name__)


class UnprocessableEntity(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request could not be processed."
    default_code = "unprocessable"


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = UNAVAILABLE_DETAIL
    default_code = "service_unavailable"


def django_validation_error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """``{"field": ["message", ...]}`` from a Django ValidationError."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def django_errors_as_drf(func: Callable[[], Any]) -> Any:
    """Call a domain validator from a serializer field, re-raising its messages for DRF."""
    try:
        return func()
    except DjangoValidationError as exc:
        messages = [m for ms in django_validation_error_detail(exc).values() for m in ms]
        raise ValidationError(messages) from exc


def flat_messages(detail, prefix: str = "") -> list:
    """Every message under ``detail``; a nested one is prefixed with its path ("0: ...")."""
    if isinstance(detail, dict):
        return [
            m for key, value in detail.items() for m in flat_messages(value, f"{prefix}{key}: ")
        ]
    if isinstance(detail, list):
        return [m for value in detail for m in flat_messages(value, prefix)]
    return [f"{prefix}{detail}" if prefix else detail]


def api_exception_handler(exc, context):
    """DRF's handler, plus: services' ValidationError -> 400, key reuse -> 422, and a
    database outage (OperationalError/InterfaceError) -> 503 with Retry-After.

    DRF's handler also marks the request's transaction for rollback, so nothing is saved.
    """
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(django_validation_error_detail(exc))
    elif isinstance(exc, IdempotencyKeyReusedError):
        exc = UnprocessableEntity(str(exc))
    elif isinstance(exc, DATABASE_ERRORS):
        logger.warning("Database unavailable: %s", exc)
        response = exception_handler(ServiceUnavailable(UNAVAILABLE_DETAIL), context)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    elif isinstance(exc, Http404 | OverflowError):
        # Every unknown object reads the same, without naming the model. OverflowError:
        # an id too large for the database's integer (SQLite raises it before querying).
        exc = NotFound()
    elif isinstance(exc, ParseError):
        # A body that is not JSON: a 400 in the documented shape, about the request as a whole.
        exc = ValidationError({"non_field_errors": [str(exc.detail)]})
    if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
        # The documented 400 shape: {"field": ["message", ...]}, even for a list item's error.
        exc.detail = {field: flat_messages(value) for field, value in exc.detail.items()}
    return exception_handler(exc, context)


def api_aware_page_not_found(request, exception):
    """handler404: a JSON ``{"detail": ...}`` under /api/ (as the schema says), HTML elsewhere."""
    from django.http import JsonResponse
    from django.views import defaults

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
