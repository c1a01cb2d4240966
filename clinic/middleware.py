"""A database outage answers 503 + Retry-After (JSON under /api/), never a 500 with a trace."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = "Service temporarily unavailable, please retry."
UNAVAILABLE_PAGE = (
    "<!doctype html><html><head><title>WalkRx is briefly unavailable</title></head><body>"
    "<h1>WalkRx is briefly unavailable</h1><p>Please try again in a moment. Nothing you "
    "entered was saved by this request.</p></body></html>"
)


def service_unavailable_response(request) -> HttpResponse:
    """The 503 a client gets while the database is unreachable."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": UNAVAILABLE_DETAIL}, status=503)
    else:
        response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turn OperationalError/InterfaceError raised by a view into a 503.

    The connection is recovered by Django itself on a later request (CONN_HEALTH_CHECKS
    drops a dead persistent connection), so no process restart is needed.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning(
            "Database unavailable for %s %s: %s", request.method, request.path, exception
        )
        return service_unavailable_response(request)


def server_error(request):
    """handler500: a database outage met outside a view (in a middleware that reads the
    session or the user) is still a 503, not a 500; anything else is Django's 500 page."""
    import sys

    from django.views import defaults

    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        logger.warning(
            "Database unavailable for %s %s: %s", request.method, request.path, exception
        )
        return service_unavailable_response(request)
    return defaults.server_error(request)
